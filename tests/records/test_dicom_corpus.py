"""Every DICOM file that ships inside pydicom's own test data goes through the records pipeline
(upload, sniffing, reading, grouping): each lands in its study and series, with a preview
wherever pydicom itself decodes the picture, and a broken one is flagged, never a crash.

The files are taken from the installed pydicom's data folders (test_files/ with its
dicomdirtests/ tree, and charset_files/), not from `get_testdata_files`, which also tries to
download pydicom-data's extra files from the network (none here, and a test must not need it).
"""

import hashlib
import time
import warnings
from pathlib import Path

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pydicom.data.data_manager import DATA_ROOT
from pydicom.errors import InvalidDicomError

from cases.models import Status
from records import selectors, services
from records.models import RecordFile
from secondopinion.errors import ApplicationError

ROOT = Path(DATA_ROOT)
# Files in those folders that are not DICOM at all (dumps, JSON, a gzip, an ICC profile, notes).
NOT_DICOM_SUFFIXES = {".txt", ".json", ".dump", ".gz", ".icc"}
NOT_DICOM_NAMES = {"README", "README.txt", "FileInfo.txt"}
# DICOM without the Part 10 header (128-byte preamble, then "DICM"): pydicom reads some of them
# only when forced to guess, and an upload cannot tell them from any other bytes, so they are refused with a
# message naming the types we accept. Listed, not skipped: the test checks that refusal.
NO_PART10_HEADER = {
    "test_files/no_meta.dcm": "no preamble: a bare data set",
    "test_files/ExplVR_BigEndNoMeta.dcm": "no preamble: a bare data set",
    "test_files/ExplVR_LitEndNoMeta.dcm": "no preamble: a bare data set",
    "test_files/rtstruct.dcm": "no preamble: a bare data set",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def shipped_files() -> list[Path]:
    files = [*ROOT.glob("test_files/**/*"), *ROOT.glob("charset_files/*")]
    return sorted(path for path in files if path.is_file())


def is_dicom_by_pydicom(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, EOFError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


def pydicom_decodes(path: Path) -> bool:
    """What pydicom itself makes of the picture: the reference for "a preview where it can"."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = pydicom.dcmread(path)
            dataset.pixel_array  # noqa: B018 - decoding is the point
    except Exception:
        return False
    return True


def uids(path: Path) -> tuple[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
    study, series = dataset.get("StudyInstanceUID"), dataset.get("SeriesInstanceUID")
    if not study or not series:
        return "", ""
    return str(study).strip(), str(series).strip()


def test_the_shipped_files_are_sorted_into_dicom_and_not_dicom_with_none_left_over():
    for path in shipped_files():
        named_not_dicom = path.suffix in NOT_DICOM_SUFFIXES or path.name in NOT_DICOM_NAMES
        listed = str(path.relative_to(ROOT)) in NO_PART10_HEADER
        if not is_dicom_by_pydicom(path) and not listed:
            assert named_not_dicom, f"{path} is neither read by pydicom nor known as not DICOM"
        if named_not_dicom:
            assert not is_dicom_by_pydicom(path), f"{path} is DICOM after all: upload it"


@pytest.mark.django_db
def test_every_dicom_file_pydicom_ships_is_grouped_with_a_preview_where_pydicom_decodes_it(
    actors,
):
    started = time.monotonic()
    case = actors.case(Status.DRAFT)
    expected: dict[int, tuple[str, str, bool, str]] = {}
    seen_hashes: dict[str, str] = {}
    dicom_files = [
        path
        for path in shipped_files()
        if is_dicom_by_pydicom(path) or str(path.relative_to(ROOT)) in NO_PART10_HEADER
    ]
    assert len(dicom_files) > 150  # the whole corpus, not an empty glob
    for path in dicom_files:
        relative = str(path.relative_to(ROOT))
        content = path.read_bytes()
        upload = SimpleUploadedFile(relative.replace("/", "_"), content)
        digest = hashlib.sha256(content).hexdigest()
        if relative in NO_PART10_HEADER:
            with pytest.raises(ApplicationError, match="DICOM"):
                services.add_record(case=case, by=actors.alice, upload=upload)
            continue
        if digest in seen_hashes:  # the same bytes under two names: one copy per case
            with pytest.raises(ApplicationError, match="already attached"):
                services.add_record(case=case, by=actors.alice, upload=upload)
            continue
        seen_hashes[digest] = relative
        record = services.add_record(case=case, by=actors.alice, upload=upload)
        assert record.content_type == "application/dicom", relative
        record = services.read_record(record_id=record.pk)
        study, series = uids(path)
        expected[record.pk] = (study, series, pydicom_decodes(path), relative)

    records = [r for r in selectors.records_for_case(case) if r.pk in expected]
    assert len(records) == len(expected)
    placed = {
        record.pk: (study.uid, series.uid)
        for study in selectors.group_dicom_studies(records)
        for series in study.series
        for record in series.files
    }
    problems = []
    for record in records:
        study, series, decodes, name = expected[record.pk]
        if record.read_status != RecordFile.ReadStatus.READ:
            problems.append(f"{name}: {record.read_status} {record.metadata}")
            continue
        if placed.get(record.pk) != (study, series):
            problems.append(f"{name}: grouped as {placed.get(record.pk)}, not {study, series}")
        kind = record.metadata["kind"]
        has_preview = bool(record.preview) and record.preview.read().startswith(PNG_SIGNATURE)
        if kind == "image":
            if has_preview != decodes:
                problems.append(f"{name}: preview {has_preview}, pydicom decodes {decodes}")
            if not has_preview and not record.metadata.get("no_preview"):
                problems.append(f"{name}: no preview and no reason given")
        elif has_preview:
            problems.append(f"{name}: a {kind} shown as a picture")
    assert not problems, "\n".join(problems)
    kinds = {record.metadata["kind"] for record in records}
    assert {"image", "structured_report", "waveform", "other"} <= kinds
    assert time.monotonic() - started < 60
