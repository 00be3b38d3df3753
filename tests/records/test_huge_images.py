"""Huge images: a JPEG or PNG larger than the viewer's limits gets a reduced copy when it is read
(within both limits, in its aspect ratio, upright, in its own format; the original untouched).
The viewer is sent the copy and says so, the original a link away; the copy is served like the
file itself (byte ranges, 404 to anyone who may not read the case, a viewing audited); and a
picture that would take more than Pillow's decompression-bomb limit to decode is refused in
words, never decoded."""

import hashlib
import io
from unittest.mock import ANY

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from cases.models import Status
from records import images, services
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from tests.factories import MINIMAL_PDF

from .files import picture

HUGE = (9000, 6000)


def add_and_read(case, by, name: str, content: bytes) -> RecordFile:
    record = services.add_record(
        case=case, by=by, upload=SimpleUploadedFile(name, content, "application/octet-stream")
    )
    return services.read_record(record_id=record.pk)


def opened(field) -> Image.Image:
    with field.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def stored_bytes(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def reduced_url(record) -> str:
    return reverse("records:record-reduced", args=[record.pk])


def inline_url(record) -> str:
    return reverse("records:record-inline", args=[record.pk])


def views_of(record) -> int:
    return AuditEvent.objects.filter(action="record.view", object_id=str(record.pk)).count()


@pytest.fixture
def huge(actors):
    """A huge JPEG on a case in review, read; and dr_smith (assigned) signed in."""
    case = actors.case(Status.IN_REVIEW)
    original = picture(*HUGE)
    record = add_and_read(case, actors.alice, "wound-photo.jpg", original)
    client = Client()
    client.force_login(actors.dr_smith.user)
    return record, original, client


# Reading ---------------------------------------------------------------------------------------


def test_a_huge_jpeg_gets_a_reduced_copy_within_the_limits_in_its_aspect_ratio(huge):
    record, original, _ = huge

    copy = opened(record.reduced)

    assert copy.format == "JPEG"
    assert copy.size == (4096, 2730)
    assert max(copy.size) <= images.VIEWER_MAX_SIDE
    assert copy.width * copy.height <= images.VIEWER_MAX_PIXELS
    assert abs(copy.width / copy.height - HUGE[0] / HUGE[1]) < 0.001
    assert record.metadata == {
        "width": 9000,
        "height": 6000,
        "reduced_width": 4096,
        "reduced_height": 2730,
    }
    assert record.reduced.name.startswith(f"previews/{record.case_id}/")
    assert record.reduced.name.endswith(".jpg")
    # The original is kept exactly as uploaded; the thumbnail is made as before.
    assert stored_bytes(record.file) == original
    assert (record.size, record.sha256) == (len(original), hashlib.sha256(original).hexdigest())
    assert max(opened(record.preview).size) == 320


def test_a_long_png_is_reduced_to_the_longest_side_as_a_png(actors):
    record = add_and_read(
        actors.case(Status.DRAFT), actors.alice, "ecg-strip.png", picture(5000, 300, "PNG")
    )

    copy = opened(record.reduced)

    assert (copy.format, copy.mode, copy.size) == ("PNG", "L", (4096, 245))
    assert record.reduced.name.endswith(".png")


def test_an_image_within_the_limits_is_shown_as_it_is(actors):
    record = add_and_read(actors.case(Status.DRAFT), actors.alice, "photo.jpg", picture(4096, 3072))

    assert record.read_status == RecordFile.ReadStatus.READ
    assert not record.reduced
    assert record.metadata == {"width": 4096, "height": 3072}


def test_the_reduced_copy_is_upright_as_a_browser_shows_the_original(actors):
    """Stored 8000 × 2000 with EXIF orientation 6 (turn a quarter clockwise): a browser shows
    it 2000 wide and 8000 high, its dark left edge on top; the copy is made so, without EXIF."""
    record = add_and_read(
        actors.case(Status.DRAFT),
        actors.alice,
        "turned.jpg",
        picture(8000, 2000, orientation=6),
    )

    copy = opened(record.reduced)

    assert copy.size == (1024, 4096)
    assert (record.metadata["width"], record.metadata["height"]) == (2000, 8000)
    assert copy.getpixel((512, 20)) < 60  # the dark edge, now on top
    assert copy.getpixel((512, 2000)) > 150
    assert not copy.getexif()


@pytest.fixture
def small_limits(monkeypatch):
    """Pillow's limit and the viewer's at a scale a test can make pictures for: 2.5 million
    pixels decoded at most; copies within 1000 px and 750,000 pixels."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_500_000)
    monkeypatch.setattr(images, "VIEWER_MAX_SIDE", 1000)
    monkeypatch.setattr(images, "VIEWER_MAX_PIXELS", 750_000)


def test_a_jpeg_past_pillows_limit_is_decoded_at_a_fraction_and_a_png_refused(actors, small_limits):
    """4.3 million pixels: a JPEG is decoded at half size (1.1 million), within the limit; a
    PNG can only be decoded whole, so it is refused with its size, never decoded."""
    case = actors.case(Status.DRAFT)

    jpeg = add_and_read(case, actors.alice, "photo.jpg", picture(2400, 1800))
    png = add_and_read(case, actors.alice, "scan.png", picture(2400, 1800, "PNG"))

    assert jpeg.read_status == RecordFile.ReadStatus.READ
    assert opened(jpeg.reduced).size == (1000, 750)
    assert png.read_status == RecordFile.ReadStatus.UNREADABLE
    assert png.metadata == {
        "unreadable": "The image is too large to read safely: 2400 × 1800 pixels, and we decode "
        "at most 2 million. Download it to open it.",
        "unreadable_words": ANY,  # the same, for each reader's language (tests/i18n)
        "too_large": True,
        "width": 2400,
        "height": 1800,
    }
    assert not png.reduced and not png.preview


def test_a_picture_past_twice_pillows_limit_is_refused_unopened(actors, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)

    record = add_and_read(actors.case(Status.DRAFT), actors.alice, "photo.jpg", picture(2400, 1800))

    assert record.read_status == RecordFile.ReadStatus.UNREADABLE
    assert record.metadata == {
        "unreadable": "The image is too large to read safely: more than 2 million pixels, and "
        "we decode at most 1 million. Download it to open it.",
        "unreadable_words": ANY,
        "too_large": True,
    }


# Viewing ---------------------------------------------------------------------------------------


def test_the_viewer_is_sent_the_reduced_copy_and_offers_the_original(huge):
    record, _, client = huge

    page = client.get(reverse("records:record-view", args=[record.pk])).text

    assert f'data-viewer-url="{reduced_url(record)}"' in page
    assert "Preview reduced from 9000 × 6000 pixels." in page
    assert f'href="{inline_url(record)}" data-viewer-original>Open the original</a>' in page
    assert reverse("records:record-download", args=[record.pk]) in page


def test_the_reduced_copy_is_served_inline_with_ranges_and_the_original_as_it_was(huge):
    record, original, client = huge
    copy = stored_bytes(record.reduced)

    whole = client.get(reduced_url(record))
    part = client.get(reduced_url(record), headers={"Range": "bytes=0-99"})
    the_original = client.get(inline_url(record))

    assert (whole.status_code, whole["Content-Type"]) == (200, "image/jpeg")
    assert body(whole) == copy
    assert whole["Content-Length"] == str(len(copy))
    assert whole["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in whole["Cache-Control"]
    assert whole["ETag"] != the_original["ETag"]
    assert (part.status_code, part["Content-Range"]) == (206, f"bytes 0-99/{len(copy)}")
    assert body(part) == copy[:100]
    assert body(the_original) == original


def test_fetching_the_reduced_copy_is_audited_as_a_viewing_of_the_record(huge, actors):
    record, _, client = huge

    client.get(reduced_url(record))
    client.get(reduced_url(record), headers={"Range": "bytes=0-99"})

    event = AuditEvent.objects.get(action="record.view", object_id=str(record.pk))
    assert (event.actor, event.case_id) == (actors.dr_smith.user, record.case_id)
    # Another browser is another viewing.
    other = Client()
    other.force_login(actors.cora)
    assert other.get(reduced_url(record)).status_code == 200
    assert views_of(record) == 2


@pytest.mark.parametrize("who", ["dr_jones", "bob"])
def test_who_may_not_read_the_case_gets_404_on_the_copy_and_the_original(huge, actors, who):
    record, _, _ = huge
    client = Client()
    client.force_login(getattr(actors, who) if who == "bob" else actors.dr_jones.user)

    assert client.get(reduced_url(record)).status_code == 404
    assert client.get(inline_url(record), headers={"Range": "bytes=0-9"}).status_code == 404
    assert views_of(record) == 0


def test_nobody_signed_in_is_sent_to_sign_in_from_the_copy(huge):
    record, _, _ = huge

    assert Client().get(reduced_url(record)).status_code == 302
    assert views_of(record) == 0


def test_a_record_without_a_reduced_copy_has_none_to_serve(huge, actors):
    record, _, client = huge
    photo = add_and_read(record.case, actors.alice, "photo.png", picture(800, 600, "PNG"))
    pdf = record.case.records.get(sha256=hashlib.sha256(MINIMAL_PDF).hexdigest())

    assert client.get(reduced_url(photo)).status_code == 404
    assert client.get(reduced_url(pdf)).status_code == 404
    page = client.get(reverse("records:record-view", args=[photo.pk])).text
    assert f'data-viewer-url="{inline_url(photo)}"' in page
    assert "Preview reduced" not in page


def test_an_image_too_large_to_read_is_not_put_in_the_viewer_and_says_why(actors, small_limits):
    case = actors.case(Status.IN_REVIEW)
    record = add_and_read(case, actors.alice, "scan.png", picture(2400, 1800, "PNG"))
    client = Client()
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("records:record-view", args=[record.pk])).text
    inline = client.get(inline_url(record))

    assert "The image is too large to read safely: 2400 × 1800 pixels" in page
    assert reverse("records:record-download", args=[record.pk]) in page
    assert "data-viewer-kind" not in page
    assert inline.status_code == 409
    assert "too large to read safely" in inline.text
