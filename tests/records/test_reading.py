"""Reading record files after the scan: PDF pages and a thumbnail, image thumbnails, DICOM study
and series with a preview of the middle slice; files that can't be read are kept and flagged."""

from pathlib import Path

import numpy
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Status
from records import selectors, services
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent

from .files import dicom_slice, dicom_study, pdf_with_pages, png_image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def add_and_read(case, by, name: str, content: bytes) -> RecordFile:
    record = services.add_record(
        case=case, by=by, upload=SimpleUploadedFile(name, content, "application/octet-stream")
    )
    return services.read_record(record_id=record.pk)


def test_a_pdf_gets_its_page_count_and_a_first_page_thumbnail(actors):
    record = add_and_read(actors.case(Status.DRAFT), actors.alice, "letter.pdf", pdf_with_pages(3))

    assert record.read_status == RecordFile.ReadStatus.READ
    assert record.page_count == 3
    assert record.preview.read().startswith(PNG_SIGNATURE)


def test_an_image_gets_a_thumbnail(actors):
    record = add_and_read(actors.case(Status.DRAFT), actors.alice, "rash.png", png_image(800, 600))

    assert record.read_status == RecordFile.ReadStatus.READ
    from PIL import Image

    with Image.open(record.preview) as preview:
        assert max(preview.size) <= 320


def test_dicom_files_are_grouped_into_studies_and_series_in_slice_order(actors):
    case = actors.case(Status.DRAFT)
    slices = dicom_study(5)
    for number in (3, 1, 5, 2, 4):
        add_and_read(case, actors.alice, f"IM{number}.dcm", slices[number - 1])

    [study] = selectors.group_dicom_studies(selectors.records_for_case(case))

    assert (study.date, study.description, study.modalities) == (
        "2026-06-14",
        "CT chest with contrast",
        "CT",
    )
    [series] = study.series
    assert (series.modality, series.body_part, series.number) == ("CT", "CHEST", 1)
    assert [r.original_name for r in series.files] == [f"IM{n}.dcm" for n in range(1, 6)]
    assert series.middle.original_name == "IM3.dcm"
    assert series.middle.preview.read().startswith(PNG_SIGNATURE)
    assert "PatientName" not in str(series.middle.metadata)


def test_the_case_page_shows_studies_with_a_preview_served_only_to_readers_and_audited(actors):
    case = actors.case(Status.IN_REVIEW)
    slices = dicom_study(3)
    records = [
        add_and_read(case, actors.alice, f"IM{n}.dcm", content)
        for n, content in enumerate(slices, start=1)
    ]
    middle = records[1]
    preview_url = reverse("records:record-preview", args=[middle.pk])
    readers = (actors.alice, actors.dr_smith.user, actors.cora)
    for user in readers:
        client = Client()
        client.force_login(user)
        page = client.get(reverse("cases:case-detail", args=[case.reference])).text
        assert "Imaging study: CT chest with contrast (2026-06-14)" in page
        assert preview_url in page
        response = client.get(preview_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content).startswith(PNG_SIGNATURE)
    for user in (actors.bob, actors.dr_jones.user):
        client = Client()
        client.force_login(user)
        assert client.get(preview_url).status_code == 404
    assert AuditEvent.objects.filter(action="record.preview", object_id=str(middle.pk)).count() == 3


def test_a_dicom_file_with_a_broken_pixel_stream_stays_in_its_series_flagged_no_preview(
    client, actors
):
    case = actors.case(Status.DRAFT)
    first, second, third = dicom_study(3)

    add_and_read(case, actors.alice, "IM1.dcm", first)
    broken = add_and_read(case, actors.alice, "IM2.dcm", second[:-200])
    add_and_read(case, actors.alice, "IM3.dcm", third)

    assert broken.content_type == "application/dicom"
    assert broken.read_status == RecordFile.ReadStatus.READ
    assert not broken.preview
    assert "cut short or damaged" in broken.metadata["no_preview"]
    [study] = selectors.group_dicom_studies(selectors.records_for_case(case))
    [series] = study.series
    assert [r.original_name for r in series.files] == ["IM1.dcm", "IM2.dcm", "IM3.dcm"]
    client.force_login(actors.alice)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "IM2.dcm" in page
    assert "No preview" in page
    assert "The picture could not be decoded (Explicit VR Little Endian)" in page


def test_a_dicom_file_cut_inside_its_header_is_kept_and_flagged_could_not_read(client, actors):
    case = actors.case(Status.DRAFT)
    whole = dicom_study(1)[0]

    record = add_and_read(case, actors.alice, "broken.dcm", whole[:300])

    assert record.content_type == "application/dicom"
    assert record.read_status == RecordFile.ReadStatus.UNREADABLE
    assert not record.preview
    client.force_login(actors.alice)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "broken.dcm" in page
    assert "Could not read this file" in page


def _pydicom_file(name: str) -> bytes:
    from pydicom.data.data_manager import DATA_ROOT

    return (Path(DATA_ROOT) / "test_files" / name).read_bytes()


def test_a_palette_colour_image_is_previewed_in_colour(actors):
    record = add_and_read(
        actors.case(Status.DRAFT), actors.alice, "US.dcm", _pydicom_file("examples_palette.dcm")
    )

    assert record.read_status == RecordFile.ReadStatus.READ
    from PIL import Image

    with Image.open(record.preview) as preview:
        assert preview.mode == "RGB"
        pixels = numpy.asarray(preview)
    coloured = (pixels[..., 0] != pixels[..., 1]) | (pixels[..., 1] != pixels[..., 2])
    assert coloured.mean() > 0.1, "a palette image previewed in shades of grey"


def test_structured_reports_and_waveforms_are_labelled_as_such_not_as_images(client, actors):
    case = actors.case(Status.DRAFT)
    report = add_and_read(case, actors.alice, "SR.dcm", _pydicom_file("test-SR.dcm"))
    ecg = add_and_read(case, actors.alice, "ECG.dcm", _pydicom_file("waveform_ecg.dcm"))

    assert (report.metadata["kind"], ecg.metadata["kind"]) == ("structured_report", "waveform")
    assert not report.preview and not ecg.preview
    assert "no_preview" not in report.metadata  # nothing is wrong with them
    client.force_login(actors.alice)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Structured report (text, not an image): Comprehensive SR Storage" in page
    assert "Waveform (a signal such as an ECG, not an image): 12-lead ECG Waveform Storage" in page
    assert "No preview" not in page


def test_a_dicom_file_with_only_its_preamble_is_flagged_not_crashed(actors):
    header_only = dicom_slice(study_uid="1.2.3", series_uid="1.2.3.4", instance=1)[:140]

    record = add_and_read(actors.case(Status.DRAFT), actors.alice, "stub.dcm", header_only)

    assert record.read_status == RecordFile.ReadStatus.UNREADABLE


def test_a_corrupt_pdf_is_kept_and_flagged_could_not_read(actors):
    record = add_and_read(
        actors.case(Status.DRAFT), actors.alice, "cut.pdf", pdf_with_pages(2)[:300]
    )

    assert record.content_type == "application/pdf"
    assert record.read_status == RecordFile.ReadStatus.UNREADABLE
    assert record.file.read()  # the bytes are kept for the specialist


def test_reading_twice_changes_nothing(actors):
    case = actors.case(Status.DRAFT)
    record = add_and_read(case, actors.alice, "once.pdf", pdf_with_pages(1))
    preview = record.preview.name

    again = services.read_record(record_id=record.pk)

    assert again.preview.name == preview


def test_text_files_have_nothing_to_read(actors):
    record = services.add_record(
        case=actors.case(Status.DRAFT),
        by=actors.alice,
        upload=SimpleUploadedFile("notes.txt", b"Blood pressure 120/80\n"),
    )

    assert record.read_status == RecordFile.ReadStatus.SKIPPED
