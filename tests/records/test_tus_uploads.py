"""Resumable uploads over tus 1.0 (core, creation, termination, expiration): each chunk stored in
the configured storage (here written in place in the shared folder) with the offset on the
upload's row, resumable at the server's offset from any node, authorised per case, and finished
through the same checks as any other record."""

import os
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from cases.models import Status
from cases.state import seeding_case_states
from records import uploads
from records.models import RecordFile, Upload
from secondopinion.audit.models import AuditEvent

from .conftest import TusClient, tus_for, upload_id
from .files import WINDOWS_PROGRAM, dicom_study, distinct_pdf


def test_the_server_announces_tus_and_its_limits(alice_tus, settings):
    response = alice_tus.client.options(alice_tus.endpoint)

    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,termination,expiration"
    assert response["Tus-Max-Size"] == str(settings.RECORD_MAX_UPLOAD_BYTES)


def test_a_file_sent_in_parts_becomes_a_record(alice_tus, draft):
    content = distinct_pdf("in parts") + b"%" + b"x" * 5000 + b"\n"

    response = alice_tus.upload("referral.pdf", content, parts=4)

    assert response.status_code == 204
    assert response["Upload-Offset"] == str(len(content))
    record = draft.records.get(original_name="referral.pdf")
    assert (record.size, record.content_type) == (len(content), "application/pdf")
    assert record.file.read() == content
    upload = Upload.objects.get(record=record)
    assert upload.status == Upload.Status.DONE
    assert not uploads.partial_path(upload).exists()


def test_an_interrupted_upload_resumes_from_the_servers_offset(alice_tus, draft):
    content = distinct_pdf("resumed") + bytes(range(256)) * 40
    location = alice_tus.create("resumed.pdf", len(content))["Location"]
    alice_tus.patch(location, content[:3000], 0)

    head = alice_tus.head(location)
    assert head.status_code == 200
    assert head["Upload-Offset"] == "3000"
    assert head["Upload-Length"] == str(len(content))
    assert head["Cache-Control"] == "no-store"
    assert "Upload-Expires" in head

    wrong = alice_tus.patch(location, content[1000:], 1000)
    assert wrong.status_code == 409
    assert wrong["Upload-Offset"] == "3000"

    assert alice_tus.patch(location, content[3000:], 3000).status_code == 204
    assert draft.records.get(original_name="resumed.pdf").file.read() == content


def test_upload_ids_are_random_and_the_address_carries_no_name(alice_tus):
    first = alice_tus.create("Breast biopsy Alice.pdf", 100)["Location"]
    second = alice_tus.create("Breast biopsy Alice.pdf", 100)["Location"]

    assert first != second
    assert "biopsy" not in first.lower()
    upload_id = first.rstrip("/").rsplit("/", 1)[-1]
    assert len(upload_id) >= 32


def test_zero_byte_oversized_and_path_climbing_files_are_refused_before_any_byte(
    alice_tus, settings
):
    settings.RECORD_MAX_UPLOAD_BYTES = 10_240

    empty = alice_tus.create("empty.pdf", 0)
    huge = alice_tus.create("huge.pdf", 10_241)
    climbing = alice_tus.create("notes.txt", 100, relativePath="../../etc/notes.txt")

    assert empty.status_code == 400
    assert empty.text == "“empty.pdf” is empty (0 bytes). Choose the file again."
    assert huge.status_code == 413
    assert huge.text == "“huge.pdf” is larger than the 10.0\xa0KB limit."
    assert climbing.status_code == 400
    assert "“notes.txt” was sent with a folder path we can't accept" in climbing.text
    assert not Upload.objects.exists()


def test_a_batch_with_refused_files_still_lands_the_good_ones(alice_tus, draft):
    results = {
        name: alice_tus.upload(name, content)
        for name, content in [
            ("good.pdf", distinct_pdf("good")),
            ("empty.pdf", b""),
            ("setup.pdf", WINDOWS_PROGRAM),
            ("report.txt", b"Haemoglobin 13.1 g/dL\n"),
        ]
    }

    assert results["good.pdf"].status_code == 204
    assert results["report.txt"].status_code == 204
    assert results["empty.pdf"].status_code == 400
    assert results["setup.pdf"].status_code == 422
    assert "“setup.pdf” is not a file type we accept" in results["setup.pdf"].text
    assert {"good.pdf", "report.txt"} <= set(draft.records.values_list("original_name", flat=True))


def test_a_renamed_executable_is_refused_by_content_and_its_bytes_are_dropped(alice_tus, draft):
    created = alice_tus.create("scan.pdf", len(WINDOWS_PROGRAM))
    location = created["Location"]

    response = alice_tus.patch(location, WINDOWS_PROGRAM, 0)

    assert response.status_code == 422
    assert response.text.startswith("“scan.pdf” is not a file type we accept")
    upload = Upload.objects.get(name="scan.pdf")
    assert upload.status == Upload.Status.REFUSED
    assert not uploads.partial_path(upload).exists()
    # Asking again says the same, so the browser shows why rather than resuming.
    assert alice_tus.head(location).status_code == 410
    assert not draft.records.filter(original_name="scan.pdf").exists()


def test_a_file_of_a_type_we_refuse_is_refused_at_its_first_chunk_not_its_last(alice_tus, draft):
    program = WINDOWS_PROGRAM + os.urandom(20_000)
    location = alice_tus.create("scan.pdf", len(program) * 3)["Location"]

    first = alice_tus.patch(location, program, 0)

    assert first.status_code == 422
    assert first.text.startswith("“scan.pdf” is not a file type we accept")
    upload = Upload.objects.get(pk=upload_id(location))
    assert upload.status == Upload.Status.REFUSED
    assert not uploads.partial_path(upload).exists()
    assert alice_tus.head(location).status_code == 410
    assert alice_tus.patch(location, program, len(program)).status_code == 410
    assert alice_tus.outcome(location)["outcome"] == "refused"


def test_a_first_chunk_too_short_to_tell_the_type_leaves_it_to_the_finish(alice_tus, draft):
    program = WINDOWS_PROGRAM + bytes(20_000)
    location = alice_tus.create("setup.pdf", len(program))["Location"]

    assert alice_tus.patch(location, program[:100], 0).status_code == 204
    assert alice_tus.patch(location, program[100:], 100).status_code == 204

    outcome = alice_tus.outcome(location)
    assert outcome["outcome"] == "refused"
    assert outcome["message"].startswith("“setup.pdf” is not a file type we accept")
    assert not draft.records.filter(original_name="setup.pdf").exists()


def test_what_became_of_a_file_is_asked_until_it_is_added(alice_tus, draft):
    content = distinct_pdf("asked") + b"%" + b"a" * 5000
    location = alice_tus.create("asked.pdf", len(content))["Location"]
    assert alice_tus.outcome(location) == {"outcome": "receiving", "message": ""}
    assert alice_tus.patch(location, content, 0).status_code == 204

    answer = alice_tus.client.get(location)

    assert answer.json() == {"outcome": "added", "message": ""}
    assert answer["Cache-Control"] == "no-store"
    assert draft.records.filter(original_name="asked.pdf").count() == 1


def test_a_finish_its_node_never_did_is_done_when_the_uploader_asks(alice_tus, draft, monkeypatch):
    """The node answered the last chunk and stopped before making the record: while its claim is
    fresh the uploader hears "adding"; once it is old, asking finishes it, once."""
    content = distinct_pdf("never finished") + b"%" + b"n" * 5000
    location = alice_tus.create("orphan.pdf", len(content))["Location"]
    with monkeypatch.context() as died:
        died.setattr(uploads, "after_chunk", lambda upload: None)
        assert alice_tus.patch(location, content, 0).status_code == 204

    assert alice_tus.outcome(location)["outcome"] == "adding"
    assert not draft.records.filter(original_name="orphan.pdf").exists()

    Upload.objects.filter(pk=upload_id(location)).update(
        finishing_since=timezone.now() - uploads.FINISH_RETRY_AFTER - timedelta(seconds=1)
    )
    assert alice_tus.outcome(location) == {"outcome": "added", "message": ""}
    assert alice_tus.outcome(location) == {"outcome": "added", "message": ""}
    assert draft.records.get(original_name="orphan.pdf").file.read() == content


def test_the_same_content_twice_is_reported_and_stored_once(alice_tus, draft):
    content = distinct_pdf("twice")
    assert alice_tus.upload("first.pdf", content).status_code == 204

    again = alice_tus.upload("second.pdf", content)

    # Every byte was stored; what the file is worth is known after the answer, and asked.
    assert again.status_code == 204
    assert alice_tus.outcome(alice_tus.location) == {
        "outcome": "refused",
        "message": "“second.pdf” is already attached to this case.",
    }
    assert alice_tus.head(alice_tus.location).status_code == 410
    assert (
        draft.records.filter(
            sha256=RecordFile.objects.get(original_name="first.pdf").sha256
        ).count()
        == 1
    )


def test_a_refusal_after_the_answer_is_in_the_uploaders_language(alice_tus, draft):
    content = distinct_pdf("twice in Spanish")
    alice_tus.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    assert alice_tus.upload("primero.pdf", content).status_code == 204

    assert alice_tus.upload("segundo.pdf", content).status_code == 204

    assert alice_tus.outcome(alice_tus.location)["message"] == (
        "«segundo.pdf» ya está adjunto a este caso."
    )


def test_a_folder_of_dicom_files_keeps_each_file_name_as_display_text(alice_tus, draft):
    for number, content in enumerate(dicom_study(3), start=1):
        created = alice_tus.create(
            f"IM{number}.dcm", len(content), relativePath=f"study/IM{number}.dcm"
        )
        assert alice_tus.patch(created["Location"], content, 0).status_code == 204

    names = set(
        draft.records.filter(content_type="application/dicom").values_list(
            "original_name", flat=True
        )
    )
    assert names == {"IM1.dcm", "IM2.dcm", "IM3.dcm"}


def test_termination_deletes_the_partial_bytes(alice_tus):
    location = alice_tus.create("stop.pdf", 1000)["Location"]
    alice_tus.patch(location, distinct_pdf("stop")[:100], 0)
    upload = Upload.objects.get(name="stop.pdf")

    response = alice_tus.client.delete(location, headers={"Tus-Resumable": "1.0.0"})

    assert response.status_code == 204
    assert not uploads.partial_path(upload).exists()
    assert alice_tus.head(location).status_code == 404


def test_an_expired_upload_is_gone_and_its_bytes_are_removed(alice_tus):
    location = alice_tus.create("old.pdf", 1000)["Location"]
    alice_tus.patch(location, distinct_pdf("old")[:100], 0)
    upload = Upload.objects.get(name="old.pdf")
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert alice_tus.head(location).status_code == 410
    assert alice_tus.patch(location, b"more", 100).status_code == 410
    assert uploads.remove_expired_uploads() == 1
    assert not uploads.partial_path(upload).exists()


def test_requests_without_the_tus_version_or_the_right_body_type_are_refused(alice_tus):
    assert (
        alice_tus.client.post(alice_tus.endpoint, headers={"Upload-Length": "5"}).status_code == 412
    )
    location = alice_tus.create("a.pdf", 10)["Location"]
    plain = alice_tus.client.patch(
        location, data=b"12345", content_type="text/plain",
        headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0"},
    )  # fmt: skip
    assert plain.status_code == 415


def test_more_bytes_than_announced_are_refused(alice_tus):
    location = alice_tus.create("short.pdf", 10)["Location"]

    response = alice_tus.patch(location, b"x" * 11, 0)

    assert response.status_code == 422
    assert response.text == "The upload sent more bytes than it announced."


def test_another_user_cannot_see_or_continue_someone_elses_upload(client, actors, draft):
    client.force_login(actors.alice)
    location = tus_for(client, draft).create("mine.pdf", 100)["Location"]
    for user in (actors.bob, actors.cora, actors.dr_smith.user):
        other = Client()
        other.force_login(user)
        tus = TusClient(other, "")
        assert tus.head(location).status_code == 404
        assert tus.patch(location, b"%PDF-", 0).status_code == 404
        assert other.get(location).status_code == 404
    assert TusClient(Client(), "").head(location).status_code == 404
    assert Client().get(location).status_code == 404
    assert client.get(location.replace(upload_id(location), "0" * 32)).status_code == 404


def test_only_the_patient_side_of_the_case_may_start_an_upload(client, actors, draft):
    for user in (actors.bob, actors.dr_smith.user):
        client.force_login(user)
        assert tus_for(client, draft).create("x.pdf", 10).status_code == 404


def test_a_closed_case_takes_no_uploads_even_one_already_started(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.alice)
    tus = tus_for(client, case)
    location = tus.create("late.pdf", 200)["Location"]
    with seeding_case_states():  # as if a coordinator closed it meanwhile
        case.status = Status.CLOSED
        type(case).objects.filter(pk=case.pk).update(status=Status.CLOSED)

    assert tus.patch(location, distinct_pdf("late")[:50], 0).status_code == 422
    assert tus.create("later.pdf", 200).status_code == 400


def test_uploads_need_the_csrf_token(actors, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.alice)

    response = tus_for(client, draft).create("x.pdf", 10)

    assert response.status_code == 403


def test_starting_and_finishing_an_upload_are_audited(alice_tus, draft):
    alice_tus.client.defaults["REMOTE_ADDR"] = "198.51.100.7"
    alice_tus.upload("audited.pdf", distinct_pdf("audited"))

    record = draft.records.get(original_name="audited.pdf")
    assert AuditEvent.objects.filter(action="upload.create", case_id=draft.pk).exists()
    # Made once the last chunk's answer is sent, with that request's address and id.
    finished = AuditEvent.objects.get(action="record.upload", object_id=str(record.pk))
    assert finished.ip == "198.51.100.7"
    assert finished.request_id


def test_more_bytes_for_a_finished_upload_say_it_is_complete(alice_tus):
    content = distinct_pdf("complete")
    created = alice_tus.create("complete.pdf", len(content))
    assert alice_tus.patch(created["Location"], content, 0).status_code == 204

    again = alice_tus.patch(created["Location"], b"more", len(content))

    assert again.status_code == 422
    assert again.text == "This upload is already complete."
    assert "expired" not in again.text


def test_each_chunk_sends_the_bytes_before_it_to_disk_and_the_last_sends_nothing(
    alice_tus, draft, monkeypatch
):
    # The bytes before each chunk start on their way to disk (not left for the kernel to write
    # all at once near the end), and the last chunk starts nothing its record's commit would
    # wait behind.
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(
        os, "posix_fadvise", lambda fd, offset, length, advice: sent.append((offset, length))
    )
    content = distinct_pdf("written back") + b"%" + b"x" * 3000 + b"\n"
    part = -(-len(content) // 4)

    alice_tus.upload("imaging.pdf", content, parts=4)

    assert sent == [(0, part), (0, 2 * part)]
    assert draft.records.get(original_name="imaging.pdf").file.read() == content
