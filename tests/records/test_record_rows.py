"""The rows of a table of files, written in Python (records.rows): the links each row carries,
what the contents cell says in each state of reading, and nothing from a file left unescaped."""

import datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone, translation

from records.models import RecordFile, RecordsRequest
from records.rows import RecordTable, record_rows

NOON = datetime.datetime(2026, 3, 7, 12, 0, tzinfo=datetime.UTC)


def _record(pk: int = 7, **fields) -> RecordFile:
    values = {
        "original_name": "scan.pdf",
        "content_type": "application/pdf",
        "size": 2048,
        "scan_status": RecordFile.ScanStatus.CLEAN,
        "read_status": RecordFile.ReadStatus.READ,
        "uploaded_at": NOON,
    }
    return RecordFile(pk=pk, **(values | fields))


def _tags(html: str) -> list[str]:
    """Every element in `html`, as the parser met it."""
    found: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append(tag)

    Tags().feed(html)
    return found


@pytest.mark.parametrize("pk", [1, 7, 10, 100, 123456])
def test_each_row_links_to_its_own_file(pk):
    row = RecordTable(is_record_owner=True).row(_record(pk=pk))

    assert f'href="{reverse("records:record-download", args=[pk])}"' in row
    assert f'href="{reverse("records:record-describe", args=[pk])}"' in row


def test_only_the_owner_is_offered_to_describe_a_file_and_only_a_clean_file_is_a_link():
    pending = _record(scan_status=RecordFile.ScanStatus.PENDING)

    assert "Describe" not in RecordTable(is_record_owner=False).row(_record())
    assert "Describe<span" in RecordTable(is_record_owner=True).row(_record())
    assert "<a " not in RecordTable(is_record_owner=False).row(pending)
    assert '<td class="so-scan so-scan--pending">' in RecordTable(is_record_owner=False).row(
        pending
    )


def test_nothing_a_person_wrote_becomes_markup():
    hostile = '<img src=x onerror="alert(1)">'
    record = _record(original_name=f"{hostile}.pdf", note=hostile, label="letter")
    record.records_request = RecordsRequest(pk=3, provider_name=hostile)
    record.metadata = {"unreadable": hostile}
    record.read_status = RecordFile.ReadStatus.UNREADABLE

    html = str(record_rows([record], is_record_owner=True))

    assert "<img" not in html
    assert set(_tags(html)) <= {"tr", "td", "a", "span", "strong"}
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "from &lt;img" in html  # the provider's name, after the phrase


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"page_count": 1}, "<td>1 page</td>"),
        ({"page_count": 1200}, "<td>1200 pages</td>"),
        (
            {
                "content_type": "application/dicom",
                "metadata": {"kind": "image", "modality": "CT", "no_preview": "compressed"},
            },
            '<td>Image (CT)\n      <span class="display-block"><strong>No preview:</strong> '
            "compressed</span></td>",
        ),
        ({"page_count": None}, "<td>Read</td>"),
        (
            {"read_status": RecordFile.ReadStatus.UNREADABLE, "metadata": {"unreadable": "Empty"}},
            '<td><strong>Could not read this file</strong>\n    <span class="display-block '
            'usa-hint">Empty</span></td>',
        ),
        ({"read_status": RecordFile.ReadStatus.PENDING}, "<td>Being read</td>"),
        ({"read_status": RecordFile.ReadStatus.SKIPPED}, "<td>—</td>"),
    ],
)
def test_the_contents_cell_says_where_reading_the_file_stands(fields, says):
    with translation.override("en-gb"):
        assert says in RecordTable(is_record_owner=False).row(_record(**fields))


@time_machine.travel(NOON, tick=False)
def test_dates_are_the_readers_day_and_a_day_shared_by_rows_is_formatted_once(monkeypatch):
    late = datetime.datetime(2026, 3, 7, 23, 30, tzinfo=datetime.UTC)  # 8 March in Madrid
    formatted = []
    date_format = formats.date_format
    monkeypatch.setattr(formats, "date_format", lambda *a: formatted.append(a) or date_format(*a))
    with timezone.override("Europe/Madrid"), translation.override("es"):
        table = RecordTable(is_record_owner=False)
        rows = [table.row(_record(pk=n, uploaded_at=late)) for n in (1, 2, 3)]

    assert all("<td>8 Mar 2026</td>" in row for row in rows)
    assert len(formatted) == 1
