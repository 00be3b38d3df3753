"""Virus scanning: a real clamd finds EICAR, the file is quarantined, no one can open it and
the uploader is told; without a configured clamd files are marked "not scanned"."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Status
from records import services
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from secondopinion.files import scanning
from secondopinion.notifications.models import Notification
from tests.factories import pdf_upload

from .conftest import EICAR, EICAR_SIGNATURE
from .files import distinct_pdf


def upload(case, by, name: str, content: bytes) -> RecordFile:
    return services.add_record(
        case=case, by=by, upload=SimpleUploadedFile(name, content, "application/octet-stream")
    )


def test_eicar_is_quarantined_and_no_one_can_download_it(actors, clamd_socket, settings):
    settings.CLAMD_SOCKET = clamd_socket
    case = actors.case(Status.IN_REVIEW)
    record = upload(case, actors.alice, "lab-results.txt", EICAR)
    assert record.scan_status == RecordFile.ScanStatus.PENDING

    record = services.scan_record(record_id=record.pk)

    assert record.scan_status == RecordFile.ScanStatus.INFECTED
    assert record.scan_detail.startswith(EICAR_SIGNATURE)  # clamd adds ".UNOFFICIAL"
    assert record.read_status == RecordFile.ReadStatus.SKIPPED
    for user in (actors.alice, actors.dr_smith.user, actors.cora):
        client = Client()
        client.force_login(user)
        response = client.get(
            reverse("records:record-download", args=[record.pk]),
            headers={"referer": f"http://testserver/cases/{case.reference}/"},
            follow=True,
        )
        assert "This file was quarantined because a virus was found in it." in response.text
        assert EICAR not in response.content
    assert not AuditEvent.objects.filter(action="record.download").exists()


def test_the_uploader_is_told_a_file_was_quarantined(actors, clamd_socket, settings):
    settings.CLAMD_SOCKET = clamd_socket
    case = actors.case(Status.DRAFT)
    record = upload(case, actors.alice, "scan.txt", EICAR)

    services.scan_record(record_id=record.pk)

    notification = Notification.objects.get(user=actors.alice, message__contains="quarantined")
    assert "“scan.txt”" in notification.message
    assert notification.link == reverse("cases:case-detail", args=[case.reference])


def test_the_case_page_shows_a_quarantined_file_without_a_link(
    client, actors, clamd_socket, settings
):
    settings.CLAMD_SOCKET = clamd_socket
    case = actors.case(Status.DRAFT)
    record = upload(case, actors.alice, "virus.txt", EICAR)
    services.scan_record(record_id=record.pk)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert "Quarantined: a virus was found" in page
    assert reverse("records:record-download", args=[record.pk]) not in page


def test_a_clean_file_is_marked_clean_and_can_be_downloaded(client, actors, clamd_socket, settings):
    settings.CLAMD_SOCKET = clamd_socket
    case = actors.case(Status.DRAFT)
    record = services.add_record(
        case=case, by=actors.alice, upload=pdf_upload("clean.pdf", distinct_pdf("clean"))
    )

    record = services.scan_record(record_id=record.pk)

    assert record.scan_status == RecordFile.ScanStatus.CLEAN
    client.force_login(actors.alice)
    assert client.get(reverse("records:record-download", args=[record.pk])).status_code == 200


def test_scanning_twice_changes_nothing(actors, clamd_socket, settings):
    settings.CLAMD_SOCKET = clamd_socket
    case = actors.case(Status.DRAFT)
    record = upload(case, actors.alice, "twice.txt", EICAR)
    services.scan_record(record_id=record.pk)

    services.scan_record(record_id=record.pk)

    assert Notification.objects.filter(message__contains="quarantined").count() == 1
    assert AuditEvent.objects.filter(action="record.scan").count() == 1


def test_without_a_configured_scanner_files_are_marked_not_scanned(client, actors, settings):
    settings.CLAMD_SOCKET = settings.CLAMD_HOST = ""
    case = actors.case(Status.SUBMITTED)
    record = case.records.get()

    assert record.scan_status == RecordFile.ScanStatus.NOT_SCANNED
    client.force_login(actors.cora)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Not scanned (no virus scanner configured)" in page


def test_an_unreachable_scanner_leaves_the_file_pending_for_a_retry(actors, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nothing-here.sock")
    case = actors.case(Status.DRAFT)
    record = upload(case, actors.alice, "wait.txt", b"Cholesterol 4.2 mmol/L\n")

    try:
        services.scan_record(record_id=record.pk)
    except scanning.ScannerUnavailable:
        pass
    else:
        raise AssertionError("an unreachable clamd must raise for the task to retry")

    record.refresh_from_db()
    assert record.scan_status == RecordFile.ScanStatus.PENDING
    assert not record.is_downloadable


def test_the_scan_is_queued_after_commit_with_the_record_id_only(
    actors, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = "/run/clamav/clamd.ctl"
    case = actors.case(Status.DRAFT)
    queued = []
    monkeypatch.setattr("records.tasks.scan_record.delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = upload(case, actors.alice, "queued.txt", b"Ferritin 45 ug/L\n")
        assert not queued  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()

    assert queued == [(record.pk,)]


def test_after_a_clean_scan_the_file_is_queued_for_reading(
    actors, clamd_socket, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CLAMD_SOCKET = clamd_socket
    case = actors.case(Status.DRAFT)
    record = services.add_record(
        case=case, by=actors.alice, upload=pdf_upload("clean.pdf", distinct_pdf("then read"))
    )
    queued = []
    monkeypatch.setattr("records.tasks.read_record.delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        services.scan_record(record_id=record.pk)

    assert queued == [(record.pk,)]


def _authority_with(actors, content: bytes):
    from cases import services as case_services
    from cases.models import ProxyAuthority

    return case_services.record_proxy_authority(
        by=actors.carol,
        patient_email=actors.alice.email,
        basis=ProxyAuthority.Basis.POWER_OF_ATTORNEY,
        document=pdf_upload("power-of-attorney.pdf", content),
    )


def test_an_authority_document_with_a_virus_is_quarantined_and_cannot_be_opened(
    actors, clamd_socket, settings
):
    from cases import services as case_services

    settings.CLAMD_SOCKET = clamd_socket
    authority = _authority_with(actors, distinct_pdf("attorney") + EICAR)
    assert authority.scan_status == RecordFile.ScanStatus.PENDING
    assert case_services.authority_documents_waiting_for_scan() == [authority.pk]

    authority = case_services.scan_authority_document(authority_id=authority.pk)

    assert authority.scan_status == RecordFile.ScanStatus.INFECTED
    client = Client()
    client.force_login(actors.carol)
    response = client.get(reverse("cases:authority-document", args=[authority.pk]))
    assert response.status_code == 409
    assert "Quarantined: a virus was found" in response.text
    assert Notification.objects.filter(user=actors.carol, message__contains="quarantined").exists()
    assert AuditEvent.objects.filter(action="authority.scan", detail={"result": "infected"})


def test_a_clean_authority_document_opens_after_its_scan(actors, clamd_socket, settings):
    from cases import services as case_services

    settings.CLAMD_SOCKET = clamd_socket
    authority = _authority_with(actors, distinct_pdf("attorney"))
    client = Client()
    client.force_login(actors.carol)
    url = reverse("cases:authority-document", args=[authority.pk])
    assert client.get(url).status_code == 409  # still waiting for the scanner

    case_services.scan_authority_document(authority_id=authority.pk)

    assert client.get(url).status_code == 200
