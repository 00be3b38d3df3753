"""Files in S3-compatible object storage, for real: django-storages' S3 backend against moto's
standalone server (tests/integration/conftest.py), with a Celery worker that keeps its files there
too. Records, their previews, a caregiver's authority document and the opinion's PDF report are
written to the bucket and read back from it (the worker scans and reads the objects; downloads
stream from the bucket through the app, audited); a huge image's reduced copy is made by the
worker into the bucket and streamed from it to the viewer; a deleted case leaves no object
behind. With S3_BUCKET unset, files stay in the local folder (the rest of the suite)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services as case_services
from cases.models import ProxyAuthority, Status
from data_rights import services as data_rights
from records.models import RecordFile
from review import services as review_services
from review.models import Report
from secondopinion.audit.models import AuditEvent
from tests.conftest import wait_for
from tests.factories import OPINION, UserFactory, pdf_upload
from tests.records.conftest import EICAR, TusClient
from tests.records.files import WINDOWS_PROGRAM, distinct_pdf, picture, png_image

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def local_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def scanned(settings, clamd_socket):
    """Uploads wait for the virus scan (the S3 worker scans with the same clamd)."""
    settings.CLAMD_SOCKET = clamd_socket


def test_a_record_its_scan_preview_and_download_go_through_the_bucket(
    client, actors, settings, object_storage, s3_queue, scanned
):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    before = local_files(settings)
    image = png_image(120, 90)

    response = client.post(
        reverse("records:record-upload", args=[case.reference]),
        {"file": SimpleUploadedFile("knee.png", image, content_type="image/png")},
        follow=True,
    )

    assert "“knee.png” is added to your case" in response.text
    record = case.records.get(original_name="knee.png")
    assert object_storage.read(record.file.name) == image
    assert local_files(settings) == before  # nothing on the web node's disk
    # The worker reads the object from the bucket: scanned clean, then read, its preview stored.
    record = wait_for(
        lambda: RecordFile.objects.filter(pk=record.pk, read_status="read").first(),
        what="the S3 worker to scan and read the record",
    )
    assert record.scan_status == RecordFile.ScanStatus.CLEAN
    assert record.preview.name.startswith("previews/")
    assert object_storage.read(record.preview.name).startswith(b"\x89PNG")

    download = client.get(reverse("records:record-download", args=[record.pk]))
    preview = client.get(reverse("records:record-preview", args=[record.pk]))

    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert body(download) == image
    assert body(preview).startswith(b"\x89PNG")
    audited = AuditEvent.objects.filter(object_id=str(record.pk), actor=actors.alice)
    assert {"record.download", "record.preview"} <= set(audited.values_list("action", flat=True))


def test_a_huge_images_reduced_copy_is_made_into_the_bucket_and_viewed_from_it(
    client, actors, settings, object_storage, s3_queue, scanned
):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)
    before = local_files(settings)
    original = picture(6000, 1500)
    client.post(
        reverse("records:record-upload", args=[case.reference]),
        {"file": SimpleUploadedFile("wound.jpg", original, content_type="image/jpeg")},
    )
    record = case.records.get(original_name="wound.jpg")

    record = wait_for(
        lambda: RecordFile.objects.filter(pk=record.pk, read_status="read").first(),
        what="the S3 worker to read the huge image",
    )

    assert record.reduced.name.startswith(f"previews/{case.pk}/")
    copy = object_storage.read(record.reduced.name)
    assert copy.startswith(b"\xff\xd8")  # a JPEG, like the original
    assert object_storage.read(record.file.name) == original
    assert local_files(settings) == before
    client.force_login(actors.dr_smith.user)
    viewed = client.get(reverse("records:record-reduced", args=[record.pk]))
    assert (viewed.status_code, body(viewed)) == (200, copy)
    assert AuditEvent.objects.filter(
        action="record.view", actor=actors.dr_smith.user, object_id=str(record.pk)
    ).exists()


def test_a_virus_in_the_bucket_is_quarantined_by_the_worker(
    client, actors, object_storage, s3_queue, scanned
):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    client.post(
        reverse("records:record-upload", args=[case.reference]),
        {"file": SimpleUploadedFile("notes.txt", b"notes\n" + EICAR, content_type="text/plain")},
    )
    record = case.records.get(original_name="notes.txt")

    record = wait_for(
        lambda: RecordFile.objects.filter(pk=record.pk, scan_status="infected").first(),
        what="the S3 worker to find the virus",
    )

    download = client.get(reverse("records:record-download", args=[record.pk]))
    assert download.status_code == 409
    assert "quarantined because a virus was found" in download.text


def test_a_resumable_upload_ends_in_the_bucket(client, actors, settings, object_storage):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    content = distinct_pdf("resumable") + b"%" + b"x" * 300_000
    tus = TusClient(client, reverse("records:tus-create", args=[case.reference]))

    assert tus.upload("scan.pdf", content, parts=3).status_code == 204

    record = case.records.get(original_name="scan.pdf")
    assert object_storage.read(record.file.name) == content


def test_an_authority_document_is_stored_in_and_served_from_the_bucket(
    client, actors, object_storage
):
    document = pdf_upload("guardianship.pdf", distinct_pdf("guardianship"))

    case = case_services.open_case_for_patient(
        by=actors.carol,
        patient_email="patient-s3@example.org",
        basis=ProxyAuthority.Basis.PARENT,
        document=document,
    )

    authority = case.proxy_authority
    assert object_storage.read(authority.document.name) == distinct_pdf("guardianship")
    client.force_login(actors.carol)
    response = client.get(reverse("cases:authority-document", args=[authority.pk]))
    assert response.status_code == 200
    assert body(response) == distinct_pdf("guardianship")


def test_the_workers_report_is_downloaded_from_the_bucket_and_deletion_empties_it(
    client, actors, settings, object_storage, s3_queue
):
    settings.DATA_RETENTION_DAYS = 0
    patient = UserFactory(email="s3-patient@example.org", full_name="Sam Storage")
    case = actors.case(Status.IN_REVIEW, owner=patient)
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)
    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    report = wait_for(
        lambda: Report.objects.filter(opinion=opinion).first(),
        timeout=60,
        what="the S3 worker to render the PDF report",
    )
    assert object_storage.read(report.file.name).startswith(b"%PDF")
    review_services.deliver_opinion(case=case, by=actors.cora)
    client.force_login(patient)

    response = client.get(reverse("review:report-download", args=[case.reference, report.version]))

    assert response.status_code == 200
    assert body(response).startswith(b"%PDF")
    # Deletion: every object of the case leaves the bucket once the erasure commits.
    keys = [r.file.name for r in case.records.all()] + [report.file.name]
    assert set(keys) <= object_storage.object_keys()
    data_rights.request_deletion(case=case, by=patient)
    data_rights.decide_deletion(case=case, by=actors.cora)
    assert not set(keys) & object_storage.object_keys()


def test_readiness_checks_the_bucket_itself(client, s3_server):
    from django.test import override_settings

    with override_settings(STORAGES={"default": s3_server.storage_settings()}):
        assert client.get(reverse("readyz")).json()["storage"] == "ok"
    missing = {**s3_server.storage_settings()}
    missing["OPTIONS"] = {**missing["OPTIONS"], "bucket_name": "no-such-bucket"}
    with override_settings(STORAGES={"default": missing}):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"


def test_a_resumable_upload_is_a_multipart_upload_completed_by_the_store(
    client, actors, object_storage
):
    """Chunks of 3 MiB wait as a carry until they make a 5 MiB part; the last part may be
    smaller; the object is assembled by CompleteMultipartUpload, never copied by the app. A
    storage outage in between pauses the upload (503, "paused"), and nothing is lost."""
    from django.test import override_settings

    from records.models import Upload

    from .conftest import free_port

    mib = 1024 * 1024
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    content = distinct_pdf("multipart") + b"%" + b"m" * (13 * mib)
    tus = TusClient(client, reverse("records:tus-create", args=[case.reference]))
    location = tus.create("big.pdf", len(content))["Location"]
    upload_id = location.rstrip("/").rsplit("/", 1)[-1]

    assert tus.patch(location, content[: 3 * mib], 0).status_code == 204
    upload = Upload.objects.get(pk=upload_id)
    assert (upload.parts, upload.carry_size) == ([], 3 * mib)  # under 5 MiB: a carry
    assert upload.carry in object_storage.object_keys()
    assert tus.patch(location, content[3 * mib : 6 * mib], 3 * mib).status_code == 204
    upload = Upload.objects.get(pk=upload_id)
    assert [size for _n, _etag, size in upload.parts] == [6 * mib]
    assert upload.carry == "" and not any(
        k.startswith("uploads/") for k in object_storage.object_keys()
    )

    down = {**object_storage.storage_settings()}
    down["OPTIONS"] = {**down["OPTIONS"], "endpoint_url": f"http://127.0.0.1:{free_port()}"}
    with override_settings(STORAGES={"default": down}):
        paused = tus.patch(location, content[6 * mib : 12 * mib], 6 * mib)
    assert paused.status_code == 503
    assert "paused" in paused.text and paused["Upload-Offset"] == str(6 * mib)
    assert Upload.objects.get(pk=upload_id).offset == 6 * mib

    assert tus.patch(location, content[6 * mib : 12 * mib], 6 * mib).status_code == 204
    assert tus.patch(location, content[12 * mib :], 12 * mib).status_code == 204

    record = case.records.get(original_name="big.pdf")
    assert record.file.name == Upload.objects.get(pk=upload_id).key  # the multipart's own key
    assert object_storage.read(record.file.name) == content
    s3 = object_storage.client()
    assert not s3.list_multipart_uploads(Bucket=object_storage.bucket).get("Uploads")
    assert not any(k.startswith("uploads/") for k in object_storage.object_keys())


def test_a_file_of_a_type_we_refuse_leaves_nothing_in_the_bucket_after_its_first_chunk(
    client, actors, object_storage
):
    mib = 1024 * 1024
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    program = WINDOWS_PROGRAM + b"\0" * (3 * mib)
    tus = TusClient(client, reverse("records:tus-create", args=[case.reference]))
    location = tus.create("scan.pdf", len(program) * 4)["Location"]

    refused = tus.patch(location, program, 0)

    assert refused.status_code == 422
    assert refused.text.startswith("“scan.pdf” is not a file type we accept")
    assert tus.head(location).status_code == 410
    s3 = object_storage.client()
    assert not s3.list_multipart_uploads(Bucket=object_storage.bucket).get("Uploads")
    assert not any(k.startswith("uploads/") for k in object_storage.object_keys())
