"""Adding records with the plain form: checked by content, never by name; each file of a batch
on its own, so a refused file is explained and the others still land."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Status
from records import services
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from tests.factories import MINIMAL_PDF, pdf_upload

from .files import WINDOWS_PROGRAM, distinct_pdf


def upload_url(case):
    return reverse("records:record-upload", args=[case.reference])


def test_a_pdf_is_stored_with_its_type_size_hash_and_uploader(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    content = distinct_pdf("scan")

    response = client.post(upload_url(case), {"file": pdf_upload("scan.pdf", content)}, follow=True)

    assert "“scan.pdf” is added to your case" in response.text
    record = case.records.get(original_name="scan.pdf")
    assert record.content_type == "application/pdf"
    assert record.size == len(content)
    assert record.uploaded_by == actors.alice
    assert record.on_behalf_of is None
    assert record.file.name.startswith(f"records/{case.pk}/")
    assert record.file.read() == content


def test_an_executable_named_pdf_is_refused_by_its_content(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    fake = pdf_upload("scan.pdf", WINDOWS_PROGRAM + b"This program cannot be run in DOS mode")

    response = client.post(upload_url(case), {"file": fake}, follow=True)

    assert "“scan.pdf” is not a file type we accept. Upload PDF, JPEG, PNG" in response.text
    assert not case.records.filter(original_name="scan.pdf").exists()


def test_a_batch_with_empty_oversized_and_foreign_files_keeps_the_good_ones(
    client, actors, settings
):
    settings.RECORD_MAX_UPLOAD_BYTES = 1000
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    batch = [
        pdf_upload("letter.pdf", distinct_pdf("letter")),
        pdf_upload("empty.pdf", b""),
        pdf_upload("huge.pdf", distinct_pdf("huge") + b"0" * 2000),
        pdf_upload("setup.pdf", WINDOWS_PROGRAM),
        SimpleUploadedFile("notes.txt", b"Blood pressure 120/80 on 3 June", "text/plain"),
    ]

    response = client.post(upload_url(case), {"file": batch}, follow=True)

    assert "“empty.pdf” is empty (0 bytes). Choose the file again." in response.text
    assert "“huge.pdf” is larger than the 1000\xa0bytes limit." in response.text
    assert "“setup.pdf” is not a file type we accept" in response.text
    assert "2 files are added to your case" in response.text
    assert set(case.records.values_list("original_name", flat=True)) == {
        "pathology-report.pdf",
        "letter.pdf",
        "notes.txt",
    }


def test_the_same_file_twice_is_reported_not_stored_twice(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)

    response = client.post(upload_url(case), {"file": pdf_upload("copy.pdf")}, follow=True)

    assert "“copy.pdf” is already attached to this case" in response.text
    assert case.records.count() == 1


def test_a_path_in_a_form_upload_name_is_kept_as_display_text_only(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    upload = pdf_upload("../../etc/passwd.pdf", distinct_pdf("passwd"))

    client.post(upload_url(case), {"file": upload})

    record = case.records.latest("uploaded_at")
    assert record.original_name == "passwd.pdf"
    assert "etc" not in record.file.name
    assert record.file.name.startswith(f"records/{case.pk}/")


def test_a_closed_case_takes_no_new_records(client, actors):
    case = actors.case(Status.DELIVERED)
    client.force_login(actors.alice)

    response = client.post(
        upload_url(case), {"file": pdf_upload("late.pdf", distinct_pdf("late"))}, follow=True
    )

    assert "This case is not accepting new records" in response.text
    assert case.records.count() == 1


def test_after_a_plain_upload_the_patient_comes_back_to_the_page_they_were_on(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    back = f"/cases/{case.reference}/?step=records"

    response = client.post(
        upload_url(case), {"file": pdf_upload("x.pdf", distinct_pdf("x")), "next": back}
    )

    assert response["Location"] == back


def test_a_service_caller_gets_the_same_checks(actors):
    case = actors.case(Status.DRAFT)

    with pytest.raises(ApplicationError, match="not a file type we accept"):
        services.add_record(case=case, by=actors.alice, upload=pdf_upload("a.pdf", WINDOWS_PROGRAM))
    with pytest.raises(ApplicationError, match="not accepting new records"):
        services.add_record(case=case, by=actors.bob, upload=pdf_upload("b.pdf", distinct_pdf("b")))


def test_downloads_are_attachments_and_audited(client, actors):
    case = actors.case(Status.IN_REVIEW)
    record = case.records.get()
    client.force_login(actors.dr_smith.user)

    response = client.get(reverse("records:record-download", args=[record.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    event = AuditEvent.objects.get(action="record.download")
    assert (event.actor, event.case_id, event.object_id) == (
        actors.dr_smith.user,
        case.pk,
        str(record.pk),
    )


@pytest.mark.parametrize("who", ["alice", "cora", "dr_smith"])
def test_every_download_by_each_reader_is_audited(client, actors, who):
    case = actors.case(Status.IN_REVIEW)
    record = case.records.get()
    user = {"alice": actors.alice, "cora": actors.cora, "dr_smith": actors.dr_smith.user}[who]
    client.force_login(user)

    for _ in range(2):
        assert client.get(reverse("records:record-download", args=[record.pk])).status_code == 200

    assert AuditEvent.objects.filter(action="record.download", actor=user).count() == 2


def test_another_patients_file_is_404(client, actors):
    record = actors.case(Status.SUBMITTED).records.get()
    client.force_login(actors.bob)

    assert client.get(reverse("records:record-download", args=[record.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="record.download").exists()


def test_a_file_waiting_for_its_scan_cannot_be_downloaded_yet(client, actors):
    record = actors.case(Status.SUBMITTED).records.get()
    RecordFile.objects.filter(pk=record.pk).update(scan_status=RecordFile.ScanStatus.PENDING)
    client.force_login(actors.alice)

    response = client.get(
        reverse("records:record-download", args=[record.pk]),
        headers={"referer": f"http://testserver/cases/{record.case.reference}/"},
        follow=True,
    )

    assert "This file is waiting for its virus scan" in response.text


def test_the_records_list_the_uploader_refreshes_is_for_readers_only_and_audited(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("records:case-records", args=[case.reference])
    client.force_login(actors.dr_smith.user)

    response = client.get(url)

    assert "pathology-report.pdf" in response.text
    assert AuditEvent.objects.filter(action="record.list", case_id=case.pk).count() == 1
    client.force_login(actors.bob)
    assert client.get(url).status_code == 404
