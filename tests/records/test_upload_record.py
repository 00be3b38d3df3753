"""Adding records: checked by content, never by name; refusals are clear and lose nothing."""

from django.urls import reverse

from cases.models import Case, Status
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from tests.factories import MINIMAL_PDF, pdf_upload

NEW_CASE = {
    "title": "Knee MRI",
    "diagnosis": "Torn meniscus <script>alert(1)</script>",
    "treating_doctor": "Dr Ada Brown",
    "question": "Do I need surgery?",
}


def test_a_new_case_with_a_pdf_is_saved_with_its_record(client, actors):
    client.force_login(actors.alice)

    response = client.post(reverse("cases:case-create"), {**NEW_CASE, "record": pdf_upload()})

    case = Case.objects.get(owner=actors.alice)
    assert response.status_code == 302
    record = RecordFile.objects.get(case=case)
    assert record.content_type == "application/pdf"
    assert record.original_name == "pathology-report.pdf"
    assert record.size == len(MINIMAL_PDF)


def test_an_executable_named_pdf_is_refused_and_the_typed_answers_are_kept(client, actors):
    client.force_login(actors.alice)
    fake = pdf_upload("scan.pdf", b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run")

    response = client.post(reverse("cases:case-create"), {**NEW_CASE, "record": fake})

    assert response.status_code == 200
    assert "“scan.pdf” is not a file type we accept" in response.text
    assert "There is a problem" in response.text
    for value in ("Knee MRI", "Dr Ada Brown", "Do I need surgery?"):
        assert value in response.text
    # Typed HTML comes back escaped, never as markup.
    assert "Torn meniscus &lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert not Case.objects.exists()


def test_an_oversized_upload_is_refused_with_the_limit(client, actors, settings):
    settings.RECORD_MAX_UPLOAD_BYTES = 100
    client.force_login(actors.alice)

    response = client.post(reverse("cases:case-create"), {**NEW_CASE, "record": pdf_upload()})

    assert "is larger than the 100\xa0bytes limit" in response.text
    assert "Do I need surgery?" in response.text


def test_an_empty_file_is_refused(client, actors):
    client.force_login(actors.alice)

    response = client.post(
        reverse("cases:case-create"), {**NEW_CASE, "record": pdf_upload("empty.pdf", b"")}
    )

    assert response.status_code == 200
    assert not Case.objects.exists()


def test_the_same_file_twice_is_reported_not_stored_twice(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)

    response = client.post(
        reverse("records:record-upload", args=[case.reference]),
        {"file": pdf_upload("copy.pdf")},
        follow=True,
    )

    assert "“copy.pdf” is already attached to this case" in response.text
    assert case.records.count() == 1


def test_a_path_in_the_file_name_is_kept_as_display_text_only(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    upload = pdf_upload("../../etc/passwd.pdf", MINIMAL_PDF + b"% another file\n")

    client.post(reverse("records:record-upload", args=[case.reference]), {"file": upload})

    record = case.records.latest("uploaded_at")
    assert record.original_name == "passwd.pdf"
    assert "etc" not in record.file.name
    assert record.file.name.startswith(f"records/{case.pk}/")


def test_a_closed_case_takes_no_new_records(client, actors):
    case = actors.case(Status.DELIVERED)
    client.force_login(actors.alice)

    response = client.post(
        reverse("records:record-upload", args=[case.reference]),
        {"file": pdf_upload("late.pdf", MINIMAL_PDF + b"%late\n")},
        follow=True,
    )

    assert "This case is not accepting new records" in response.text
    assert case.records.count() == 1


def test_downloads_are_attachments_and_audited(client, actors):
    case = actors.case(Status.IN_REVIEW)
    record = case.records.get()
    client.force_login(actors.dr_smith.user)

    response = client.get(reverse("records:record-download", args=[record.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    event = AuditEvent.objects.get(action="record.download")
    assert (event.actor, event.case_id, event.object_id) == (
        actors.dr_smith.user,
        case.pk,
        str(record.pk),
    )


def test_another_patients_file_is_404(client, actors):
    record = actors.case(Status.SUBMITTED).records.get()
    client.force_login(actors.bob)

    assert client.get(reverse("records:record-download", args=[record.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="record.download").exists()
