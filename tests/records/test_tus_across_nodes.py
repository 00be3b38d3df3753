"""Resumable uploads across web nodes, with local storage: each chunk written in place in the
shared folder while its writer holds the upload's lock, the offset and running hash on the row,
moved only by compare-and-set, so replays and races store nothing twice and overwrite nothing
stored, and a node that dies anywhere (mid-chunk, mid-finish) leaves what the next request needs.
The tus protocol itself, its refusals and its permissions: test_tus_uploads.py."""

import hashlib
import io
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone

from records import uploads
from records.models import Upload

from .conftest import tus_for, upload_id
from .files import distinct_pdf


def test_each_chunk_is_written_in_place_in_the_shared_folder_and_the_offset_is_on_the_row(
    alice_tus, settings
):
    content = distinct_pdf("in place") + b"%" + b"p" * 4000
    location = alice_tus.create("in-place.pdf", len(content))["Location"]

    alice_tus.patch(location, content[:1500], 0)
    alice_tus.patch(location, content[1500:3000], 1500)

    upload = Upload.objects.get(pk=upload_id(location))
    assert upload.offset == 3000
    folder = uploads.partial_path(upload)
    assert folder.parent == settings.RECORD_UPLOAD_DIR
    # One data file, the bytes at their offsets: no part files, no second copy.
    assert [path.name for path in folder.iterdir()] == ["data"]
    assert (folder / "data").read_bytes() == content[:3000]
    assert upload.parts == []


@pytest.mark.django_db(transaction=True)  # on PostgreSQL: the lock's own transactions
def test_a_chunk_costs_the_same_few_queries_whatever_its_size(alice_tus, django_assert_num_queries):
    """Every PATCH pays these before its answer: the session, the user, the upload (with what it
    is checked against, joined), the lock with the row's read, and the offset's move; after it,
    the hash of what was stored: the row's hash, and its move. Nothing per MiB, and a chunk of
    8 MiB (the bench's) no checkpoint on top."""
    content = distinct_pdf("queries") + b"%" + os.urandom(9 * 1024 * 1024)
    location = alice_tus.create("queries.pdf", len(content))["Location"]
    assert alice_tus.patch(location, content[:1000], 0).status_code == 204
    chunk = content[1000 : 1000 + uploads.CHECKPOINT_BYTES]

    with django_assert_num_queries(7) as queries:
        assert alice_tus.patch(location, chunk, 1000).status_code == 204

    answered, hashed = queries.captured_queries[:5], queries.captured_queries[5:]
    assert not any('"hash_state" =' in query["sql"] for query in answered)
    assert '"hash_state" =' in hashed[-1]["sql"]


def test_a_replayed_chunk_is_answered_with_the_offset_and_overwrites_nothing(alice_tus, draft):
    content = distinct_pdf("replayed") + b"%" + b"r" * 3000
    location = alice_tus.create("replayed.pdf", len(content))["Location"]
    assert alice_tus.patch(location, content[:2000], 0).status_code == 204
    data = uploads.partial_path(Upload.objects.get(pk=upload_id(location))) / "data"

    replay = alice_tus.patch(location, b"Z" * 2000, 0)  # sent again (here with other bytes)

    assert replay.status_code == 409
    assert replay["Upload-Offset"] == "2000"
    assert data.read_bytes() == content[:2000]
    assert alice_tus.patch(location, content[2000:], 2000).status_code == 204
    assert draft.records.get(original_name="replayed.pdf").file.read() == content


class _BodyThatWaits(io.RawIOBase):
    """A request body that, when first read, lets something else happen first (a request to
    another node, while this one holds the upload)."""

    def __init__(self, data: bytes, meanwhile):
        self.data, self.meanwhile = data, meanwhile

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.meanwhile:
            self.meanwhile()
            self.meanwhile = None
        count = min(len(buffer), len(self.data))
        buffer[:count], self.data = self.data[:count], self.data[count:]
        return count


@pytest.mark.django_db(transaction=True)
def test_a_request_at_an_offset_another_is_writing_gets_409_and_writes_nothing(
    actors, draft, client
):
    """Two nodes sent the same offset at once: the second finds the upload's lock held (its own
    database connection, as on another node) and answers 409 at once; the first stores its
    bytes."""
    client.force_login(actors.alice)
    alice_tus = tus_for(client, draft)
    content = distinct_pdf("raced") + b"%" + b"q" * 3000
    location = alice_tus.create("raced.pdf", len(content))["Location"]
    upload = Upload.objects.get(pk=upload_id(location))
    other = Client()
    other.force_login(actors.alice)
    answers = []

    def other_node():
        try:
            answers.append(tus_for(other, draft).patch(location, b"Z" * 1000, 0))
        finally:
            connection.close()

    def meanwhile():
        thread = threading.Thread(target=other_node)
        thread.start()
        thread.join()

    stored = uploads.append_to_upload(
        upload=upload, offset=0, stream=_BodyThatWaits(content[:1000], meanwhile),
        content_length=1000,
    )  # fmt: skip

    assert answers[0].status_code == 409
    assert answers[0]["Upload-Offset"] == "0"
    assert stored.offset == 1000
    assert (uploads.partial_path(upload) / "data").read_bytes() == content[:1000]
    assert alice_tus.patch(location, content[1000:], 1000).status_code == 204
    assert draft.records.get(original_name="raced.pdf").file.read() == content


def test_a_request_that_read_the_row_before_another_stored_the_chunk_writes_nothing(
    alice_tus, draft
):
    """The row a request found before taking the lock may be old: it reads the row again once
    it holds the lock, and answers with the offset stored by the request that came first."""
    content = distinct_pdf("stale") + b"%" + b"s" * 3000
    location = alice_tus.create("stale.pdf", len(content))["Location"]
    stale = Upload.objects.get(pk=upload_id(location))
    assert alice_tus.patch(location, content[:1000], 0).status_code == 204

    with pytest.raises(uploads.UploadOffsetMismatch) as lost:
        uploads.append_to_upload(
            upload=stale, offset=0, stream=io.BytesIO(b"Z" * 1000), content_length=1000
        )

    assert lost.value.offset == 1000
    assert (uploads.partial_path(stale) / "data").read_bytes() == content[:1000]
    assert Upload.objects.get(pk=stale.pk).offset == 1000


def test_a_chunk_of_several_mebibytes_is_stored_and_hashed_whole(alice_tus, draft):

    content = distinct_pdf("large") + b"%" + os.urandom(5 * 1024 * 1024 + 12345)
    location = alice_tus.create("large.pdf", len(content))["Location"]
    half = len(content) // 2

    assert alice_tus.patch(location, content[:half], 0).status_code == 204
    assert alice_tus.patch(location, content[half:], half).status_code == 204

    record = draft.records.get(original_name="large.pdf")
    assert record.file.read() == content
    assert record.sha256 == hashlib.sha256(content).hexdigest()


def test_an_upload_finished_twice_is_one_record(alice_tus, draft):
    content = distinct_pdf("finished twice")
    location = alice_tus.create("twice.pdf", len(content))["Location"]
    assert alice_tus.patch(location, content, 0).status_code == 204

    again = uploads.finish_upload(upload_id=upload_id(location))

    assert again.status == Upload.Status.DONE
    assert draft.records.filter(original_name="twice.pdf").count() == 1
    replayed = alice_tus.patch(location, content, 0)  # the last chunk, sent again
    assert (replayed.status_code, replayed.text) == (422, "This upload is already complete.")
    assert draft.records.filter(original_name="twice.pdf").count() == 1
    assert alice_tus.head(location)["Upload-Offset"] == str(len(content))


def _as_a_dead_node_left_it(upload: Upload) -> None:
    """The upload's row as a node leaves it when it dies after storing the last byte: FINISHING,
    its claim long ago, no record."""
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.FINISHING,
        record=None,
        finishing_since=timezone.now() - uploads.FINISH_RETRY_AFTER - timedelta(seconds=1),
    )


def _send_the_last_chunk_again(alice_tus, location: str, data: bytes, offset: int):
    # The client, never told, sends its last chunk again (tus clients send a body type always).
    return alice_tus.client.generic(
        "PATCH", location, data, CONTENT_TYPE="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_OFFSET=str(offset),
    )  # fmt: skip


@pytest.mark.parametrize("linked", [False, True], ids=["before linking", "after linking"])
def test_a_finish_cut_off_by_a_crash_is_done_by_the_next_request(
    alice_tus, draft, forbid_rereading, linked
):
    content = distinct_pdf("crashed") + b"%" + b"c" * 1000
    location = alice_tus.create("crashed.pdf", len(content))["Location"]
    alice_tus.patch(location, content[:500], 0)
    alice_tus.patch(location, content[500:], 500)
    upload = Upload.objects.get(pk=upload_id(location))
    record = draft.records.get(original_name="crashed.pdf")
    named = Path(record.file.path)  # the record's name for the data file
    record.delete()
    _as_a_dead_node_left_it(upload)
    # Every byte stored; the node died before the record was kept: the data file still in the
    # upload's folder, and, cut off after linking, under the record's name too.
    data = uploads.partial_path(upload) / "data"
    data.parent.mkdir(parents=True)
    if linked:
        os.link(named, data)
    else:
        data.write_bytes(content)
        named.unlink()

    forbid_rereading()  # the row's running hash is whole
    finished = _send_the_last_chunk_again(alice_tus, location, content[500:], 500)

    assert finished.status_code == 204
    record = draft.records.get(original_name="crashed.pdf")
    assert record.file.read() == content
    assert record.file.name == upload.key
    assert not data.parent.exists()  # the upload's own copy goes once the record is kept
    assert uploads.finish_upload(upload_id=upload.pk).status == Upload.Status.DONE
    assert draft.records.filter(original_name="crashed.pdf").count() == 1


def test_the_last_offset_lost_by_a_database_crash_mid_finish_is_sent_again_and_kept(
    alice_tus, draft
):
    """The offset's commit does not wait for the disk: a database crash can take the row back
    to the chunk before, after the finish had begun. The data file is still in the upload's
    folder then (it goes only once the record is kept), so the chunk sent again completes it."""
    content = distinct_pdf("rolled back") + b"%" + b"b" * 1000
    location = alice_tus.create("back.pdf", len(content))["Location"]
    alice_tus.patch(location, content[:500], 0)
    before = Upload.objects.get(pk=upload_id(location))
    alice_tus.patch(location, content[500:], 500)
    record = draft.records.get(original_name="back.pdf")
    named = Path(record.file.path)
    record.delete()
    # The crash: no record, the row as the first chunk left it, the finish's link in place.
    Upload.objects.filter(pk=before.pk).update(
        status=Upload.Status.RECEIVING, offset=500, hash_state=before.hash_state, record=None
    )
    data = uploads.partial_path(before) / "data"
    data.parent.mkdir(parents=True)
    os.link(named, data)

    assert alice_tus.head(location)["Upload-Offset"] == "500"
    assert alice_tus.patch(location, content[500:], 500).status_code == 204

    assert draft.records.get(original_name="back.pdf").file.read() == content


def test_an_upload_that_expires_after_a_cut_off_finish_leaves_no_file_behind(alice_tus):
    content = distinct_pdf("left") + b"%" + b"x" * 1000
    location = alice_tus.create("left.pdf", len(content))["Location"]
    alice_tus.patch(location, content[:500], 0)
    upload = Upload.objects.get(pk=upload_id(location))
    named = Path(default_storage.path(upload.key))  # as a finish cut off after linking left it
    named.parent.mkdir(parents=True, exist_ok=True)
    os.link(uploads.partial_path(upload) / "data", named)
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert uploads.remove_expired_uploads() == 1

    assert not named.exists()
    assert not uploads.partial_path(upload).exists()


def test_a_storage_outage_mid_upload_pauses_it_and_loses_nothing(alice_tus, draft):
    content = distinct_pdf("outage") + b"%" + b"o" * 4000
    location = alice_tus.create("outage.pdf", len(content))["Location"]
    assert alice_tus.patch(location, content[:2000], 0).status_code == 204
    folder = uploads.partial_path(Upload.objects.get(pk=upload_id(location)))
    kept = folder.with_name(folder.name + ".away")
    folder.rename(kept)
    folder.write_text("the shared folder is not mounted")  # writing a part there fails

    paused = alice_tus.patch(location, content[2000:], 2000)

    assert paused.status_code == 503
    assert paused["Upload-Offset"] == "2000"
    assert paused["Retry-After"] == "5"
    assert "paused" in paused.text and "Nothing you sent is lost" in paused.text
    folder.unlink()
    kept.rename(folder)
    assert alice_tus.head(location)["Upload-Offset"] == "2000"
    assert alice_tus.patch(location, content[2000:], 2000).status_code == 204
    assert draft.records.get(original_name="outage.pdf").file.read() == content


def test_a_data_file_that_lost_its_bytes_pauses_the_upload_instead_of_leaving_a_hole(alice_tus):
    content = distinct_pdf("lost") + b"%" + b"l" * 4000
    location = alice_tus.create("lost.pdf", len(content))["Location"]
    assert alice_tus.patch(location, content[:2000], 0).status_code == 204
    data = uploads.partial_path(Upload.objects.get(pk=upload_id(location))) / "data"
    data.write_bytes(b"")  # the shared folder was replaced by an empty one

    paused = alice_tus.patch(location, content[2000:], 2000)

    assert paused.status_code == 503
    assert paused["Upload-Offset"] == "2000"
    assert data.read_bytes() == b""  # nothing written after a hole


def test_the_running_hash_is_on_the_row_and_the_last_chunk_never_rereads_the_file(
    alice_tus, draft, forbid_rereading
):
    content = distinct_pdf("hashed on the row") + b"%" + b"h" * 6000
    location = alice_tus.create("hashed.pdf", len(content))["Location"]
    alice_tus.patch(location, content[:2500], 0)
    upload = Upload.objects.get(pk=upload_id(location))
    assert upload.hash_state  # saved with the offset: any node continues it

    forbid_rereading()
    assert alice_tus.patch(location, content[2500:], 2500).status_code == 204

    record = draft.records.get(original_name="hashed.pdf")
    assert record.sha256 == hashlib.sha256(content).hexdigest()


def test_a_finish_nobody_came_back_for_is_done_by_the_hourly_clean_up(alice_tus, draft):
    content = distinct_pdf("abandoned")
    location = alice_tus.create("abandoned.pdf", len(content))["Location"]
    upload = Upload.objects.get(pk=upload_id(location))
    (uploads.partial_path(upload) / "data").write_bytes(content)
    # As a node leaves it when it dies after storing the last byte: FINISHING, claim long ago.
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.FINISHING,
        offset=len(content),
        finishing_since=timezone.now() - uploads.FINISH_RETRY_AFTER - timedelta(seconds=1),
    )

    uploads.remove_expired_uploads()

    assert draft.records.get(original_name="abandoned.pdf").file.read() == content
    assert Upload.objects.get(pk=upload.pk).status == Upload.Status.DONE


def test_a_finish_that_fails_before_the_upload_is_marked_done_leaves_no_record(
    alice_tus, draft, monkeypatch
):
    """The record and the upload's DONE are one transaction: a finish cut off between them
    leaves nothing for the next finish to find twice (and refuse as a duplicate)."""
    content = distinct_pdf("cut off") + b"%" + b"k" * 1000
    location = alice_tus.create("cut.pdf", len(content))["Location"]
    upload = Upload.objects.get(pk=upload_id(location))
    save = Upload.save

    def dies_marking_it_done(self, *args, **kwargs):
        if "record" in (kwargs.get("update_fields") or ()):
            raise RuntimeError("the node died here")
        return save(self, *args, **kwargs)

    stored = uploads.append_to_upload(
        upload=upload, offset=0, stream=io.BytesIO(content), content_length=len(content)
    )
    monkeypatch.setattr(Upload, "save", dies_marking_it_done)
    with pytest.raises(RuntimeError):
        uploads.finish_claimed_upload(stored.pk)  # after the answer
    monkeypatch.setattr(Upload, "save", save)
    assert not draft.records.filter(original_name="cut.pdf").exists()
    _as_a_dead_node_left_it(upload)

    finished = uploads.finish_upload(upload_id=upload.pk)

    assert finished.status == Upload.Status.DONE
    assert draft.records.get(original_name="cut.pdf").file.read() == content


class _BodyCutOff(io.RawIOBase):
    """A request body whose connection drops after `size` bytes; it notes the row's offset
    each time it is read."""

    def __init__(self, data: bytes, size: int, upload_pk: str):
        self.data, self.left, self.upload_pk, self.offsets = data, size, upload_pk, []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.offsets.append(Upload.objects.get(pk=self.upload_pk).offset)
        if not self.left:
            raise ConnectionResetError("the browser went away")
        count = min(len(buffer), self.left)
        buffer[:count], self.data = self.data[:count], self.data[count:]
        self.left -= count
        return count


@pytest.mark.django_db(transaction=True)  # on PostgreSQL: the lock's own transactions
def test_a_long_chunk_moves_the_offset_as_it_goes_and_a_cut_keeps_what_arrived(alice_tus):
    mib = 1024 * 1024
    content = distinct_pdf("long chunk") + b"%" + os.urandom(30 * mib)
    location = alice_tus.create("long.pdf", len(content))["Location"]
    upload = Upload.objects.get(pk=upload_id(location))
    body = _BodyCutOff(content, 20 * mib + 123, upload.pk)

    stored = uploads.append_to_upload(
        upload=upload, offset=0, stream=body, content_length=len(content)
    )

    assert {8 * mib, 16 * mib} <= set(body.offsets)  # seen while the request went on
    assert stored.offset == 20 * mib + 123 == Upload.objects.get(pk=upload.pk).offset
    assert alice_tus.head(location)["Upload-Offset"] == str(20 * mib + 123)
    assert alice_tus.patch(location, content[stored.offset :], stored.offset).status_code == 204
    assert Upload.objects.get(pk=upload.pk).record.file.read() == content
