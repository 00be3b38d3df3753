"""The record viewers in Debian's Chromium: a CT series (scrolled by keyboard, window/level
presets, the key tags without the patient's name), a PDF (pages, search, a text layer), each
page checked with axe; every file fetched left an audit event; a specialist not assigned gets
404 on the viewer and on each file. An image zoomed and panned by keyboard. Each encoding the
server reads (JPEG 2000, JPEG-LS, RLE, JPEG baseline, 12-bit JPEG, Deflate) is decoded and drawn
by the DICOM viewer. Bad files: a slice the server could not decode, and one only the browser
cannot read, are each named with why while the rest of the series scrolls; a PDF that pdf.js
cannot open (damaged, or locked by a password) is said to be so, its download link kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Page, expect
from pydicom.data import get_testdata_file

from bench.viewer_data import ct_series, long_pdf
from cases.models import Status
from records import services
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from tests.records.files import png_image, with_the_wrong_encoding_named

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

SLICES = 8
# pydicom's bundled test files, one per encoding (transfer syntax) the server side reads.
ENCODINGS = {
    "JPEG 2000": "JPEG2000.dcm",
    "JPEG-LS": "MR_small_jpeg_ls_lossless.dcm",
    "RLE": "MR_small_RLE.dcm",
    "JPEG baseline": "SC_rgb_jpeg_dcmtk.dcm",
    "JPEG 12-bit": "JPEG-lossy.dcm",
    "Deflate": "image_dfl.dcm",
}
# Whether the canvas shows an image: enough distinct grey levels among its pixels.
CANVAS_HAS_IMAGE = """(selector) => {
  const canvas = document.querySelector(selector);
  if (!canvas || !canvas.width) return 0;
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const levels = new Set();
  for (let i = 0; i < data.length; i += 4 * 97) levels.add(data[i] * 65536 + data[i + 1] * 256 + data[i + 2]);
  return levels.size;
}"""


def add(case, by, name: str, content: bytes) -> RecordFile:
    record = services.add_record(
        case=case, by=by, upload=SimpleUploadedFile(name, content, "application/octet-stream")
    )
    return services.read_record(record_id=record.pk)


def view_url(record) -> str:
    return reverse("records:record-view", args=[record.pk])


def status(page: Page):
    return page.locator("[data-viewer-status]")


def wait_for_series(page: Page) -> None:
    expect(page.locator("[data-viewer-loaded]")).to_have_count(1, timeout=20_000)
    assert page.locator("[data-viewer-problem]").is_hidden()


def test_a_specialist_reads_a_ct_series_and_a_pdf_and_another_gets_404(new_page, actors):
    case = actors.case(Status.IN_REVIEW)
    slices = [
        add(case, actors.alice, f"CT{n:03}.dcm", content)
        for n, content in enumerate(ct_series(SLICES, size=256), start=1)
    ]
    report = add(case, actors.alice, "pathology.pdf", long_pdf(4))
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)

    smith.goto(view_url(slices[3]))
    wait_for_series(smith)
    tags = smith.locator("[data-viewer-tags]")
    expect(tags).to_contain_text("CT")
    expect(tags).to_contain_text("Axial 2.5 mm soft tissue")
    expect(tags).to_contain_text(f"Images in the series{SLICES}")
    expect(tags).to_contain_text("Slice thickness (mm)2.5")
    expect(tags).to_contain_text("0.7")
    expect(smith.locator("body")).not_to_contain_text("Bench")
    assert smith.evaluate(CANVAS_HAS_IMAGE, ".so-viewer__dicom canvas") > 3
    stage = smith.locator("[data-viewer-stage]")
    stage.focus()
    for _ in range(SLICES):
        smith.keyboard.press("PageUp")
    expect(status(smith)).to_contain_text(f"Image 1 of {SLICES}")
    for _ in range(SLICES - 1):
        smith.keyboard.press("ArrowDown")
    expect(status(smith)).to_contain_text(f"Image {SLICES} of {SLICES}")
    smith.get_by_role("button", name="Lung window: width 1500, level -600").click()
    expect(status(smith)).to_contain_text("window 1500 level -600")
    smith.get_by_role("button", name="Measure length").click()
    expect(smith.get_by_role("button", name="Measure length")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert_accessible(smith)

    smith.goto(view_url(report))
    expect(smith.locator("[data-viewer-page='1']")).to_have_count(1, timeout=20_000)
    stage.focus()
    smith.keyboard.press("PageDown")
    expect(status(smith)).to_contain_text("Page 2 of 4")
    expect(smith.locator(".textLayer")).to_contain_text("ductal carcinoma in situ")
    smith.get_by_role("button", name="Previous page").click()
    expect(status(smith)).to_contain_text("Page 1 of 4")
    smith.get_by_label("Find in this PDF").fill("carcinoma")
    smith.get_by_role("button", name="Find", exact=True).click()
    expect(status(smith)).to_contain_text("Page 2 of 4")
    expect(smith.locator(".textLayer .so-viewer__match")).not_to_have_count(0)
    assert_accessible(smith)

    viewed = set(
        AuditEvent.objects.filter(
            action="record.view", actor=actors.dr_smith.user, case_id=case.pk
        ).values_list("object_id", flat=True)
    )
    assert viewed == {str(record.pk) for record in [*slices, report]}

    jones = new_page()
    sign_in(jones, actors.dr_jones.user.email, totp=True)
    assert jones.goto(view_url(report)).status == 404
    assert_accessible(jones)
    for record in [report, *slices]:
        assert jones.request.get(view_url(record)).status == 404
        inline = jones.request.get(reverse("records:record-inline", args=[record.pk]))
        assert inline.status == 404
    assert not AuditEvent.objects.filter(action="record.view", actor=actors.dr_jones.user)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_each_encoding_the_server_reads_is_decoded_and_drawn(new_page, actors, encoding):
    case = actors.case(Status.IN_REVIEW)
    with open(get_testdata_file(ENCODINGS[encoding]), "rb") as dicom:
        record = add(case, actors.alice, ENCODINGS[encoding], dicom.read())
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)

    smith.goto(view_url(record))

    wait_for_series(smith)
    assert smith.evaluate(CANVAS_HAS_IMAGE, ".so-viewer__dicom canvas") > 3
    assert_accessible(smith)


def test_an_image_is_zoomed_and_panned_from_the_keyboard(new_page, actors):
    case = actors.case(Status.IN_REVIEW)
    image = add(case, actors.alice, "photo.png", png_image(320, 240))
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)

    smith.goto(view_url(image))

    picture = smith.get_by_role("img", name="photo.png")
    expect(picture).to_be_visible()
    smith.locator("[data-viewer-stage]").focus()
    smith.keyboard.press("+")
    expect(status(smith)).to_have_text("Zoom 125%")
    smith.keyboard.press("ArrowRight")
    assert "translate(-60px, 0px)" in picture.get_attribute("style")
    smith.get_by_role("button", name="Fit").click()
    expect(status(smith)).to_have_text("Zoom 100%")
    assert_accessible(smith)


def test_a_corrupt_slice_says_why_and_the_rest_of_the_series_still_scrolls(new_page, actors):
    case = actors.case(Status.IN_REVIEW)
    contents = ct_series(4, size=128)
    contents[2] = contents[2][: len(contents[2]) - 5000]  # the pixel data cut short
    slices = [
        add(case, actors.alice, f"CT{n}.dcm", content) for n, content in enumerate(contents, 1)
    ]
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)

    smith.goto(view_url(slices[0]))

    left_out = smith.locator("[data-viewer-left-out]")
    expect(left_out).to_contain_text("1 image of this series could not be shown")
    expect(left_out).to_contain_text("CT3.dcm")
    wait_for_series(smith)
    smith.locator("[data-viewer-stage]").focus()
    smith.keyboard.press("PageUp")
    smith.keyboard.press("PageUp")
    expect(status(smith)).to_contain_text("Image 1 of 3")
    smith.keyboard.press("PageDown")
    smith.keyboard.press("PageDown")
    expect(status(smith)).to_contain_text("Image 3 of 3")
    assert smith.evaluate(CANVAS_HAS_IMAGE, ".so-viewer__dicom canvas") > 3
    assert_accessible(smith)


# pydicom says what it read through each time the server reads the slice's header to serve it.
@pytest.mark.filterwarnings("ignore:Expected explicit VR, but found implicit VR")
def test_a_slice_only_the_browser_cannot_read_is_named_and_the_rest_still_scroll(new_page, actors):
    """The server reads the third slice (pydicom sees through its header naming the wrong
    encoding), so it is sent to the viewer; dwv cannot parse it. The viewer names it, says why,
    links its download, and the three others scroll (dwv is left to finish the series)."""
    case = actors.case(Status.IN_REVIEW)
    contents = ct_series(4, size=128)
    contents[2] = with_the_wrong_encoding_named(contents[2])
    slices = [
        add(case, actors.alice, f"CT{n}.dcm", content) for n, content in enumerate(contents, 1)
    ]
    assert "no_preview" not in slices[2].metadata  # the server found nothing wrong with it
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)

    smith.goto(view_url(slices[0]))

    wait_for_loaded(smith)
    expect(smith.locator("[data-viewer-problem]")).to_have_text(
        "1 image of this series could not be shown; the others still scroll:"
    )
    failed = smith.locator("[data-viewer-failed] li")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("CT3.dcm (image 3 of 4): the viewer could not read it (")
    download = failed.get_by_role("link", name="Download it")
    expect(download).to_have_attribute(
        "href", reverse("records:record-download", args=[slices[2].pk])
    )
    assert smith.evaluate("() => soDicomViewer.app.getImage(soDicomViewer.dataId).getComplete()")
    smith.locator("[data-viewer-stage]").focus()
    for _ in range(3):
        smith.keyboard.press("PageUp")
    expect(status(smith)).to_contain_text("Image 1 of 3")
    for _ in range(3):
        smith.keyboard.press("PageDown")
    expect(status(smith)).to_contain_text("Image 3 of 3")
    assert smith.evaluate(CANVAS_HAS_IMAGE, ".so-viewer__dicom canvas") > 3
    assert_accessible(smith)


def wait_for_loaded(page: Page) -> None:
    expect(page.locator("[data-viewer-loaded]")).to_have_count(1, timeout=20_000)


def locked_pdf() -> bytes:
    """A PDF that opens only with its password (AES-256)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(long_pdf(1))))
    writer.encrypt(user_password="a password", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# A PDF header and then nothing a PDF reader can use: it passes the upload's type check.
DAMAGED_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            DAMAGED_PDF,
            "This PDF is damaged or incomplete, so it cannot be shown here. "
            "Download it to try another program.",
        ),
        (
            locked_pdf(),
            "This PDF is protected by a password, so it cannot be shown here. "
            "Download it and open it with its password.",
        ),
    ],
    ids=["damaged", "locked"],
)
def test_a_pdf_pdfjs_cannot_open_says_why_and_keeps_its_download(
    new_page, actors, content, message
):
    case = actors.case(Status.IN_REVIEW)
    record = add(case, actors.alice, "referral-letter.pdf", content)
    assert record.content_type == "application/pdf"
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)

    smith.goto(view_url(record))

    expect(smith.locator("[data-viewer-problem]")).to_have_text(message, timeout=20_000)
    download = smith.get_by_role("link", name="Download “referral-letter.pdf”")
    expect(download).to_be_visible()
    fetched = smith.request.get(download.get_attribute("href"))
    assert (fetched.status, fetched.body()) == (200, content)
    assert_accessible(smith)
