"""The messages of a case written in Python (messaging.rows): the new ones marked, the files sent
with each (a link only once scanned clean), and nothing anyone wrote becomes markup."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message
from messaging.rows import message_items
from records.models import RecordFile
from secondopinion.accounts.models import User

WHEN = datetime.datetime(2026, 3, 7, 23, 30, tzinfo=datetime.UTC)


def _message(pk: int, body: str, author: str = "Alice Patient", files=()) -> Message:
    message = Message(pk=pk, body=body, created_at=WHEN)
    message.author = User(full_name=author, email="alice@example.org")
    message.files = list(files)  # as selectors.messages_for prefetches them
    return message


@time_machine.travel(WHEN, tick=False)
def test_a_message_reads_as_the_template_wrote_it_in_the_readers_time():
    with timezone.override("Europe/Madrid"):
        html = str(message_items([_message(1, "Hello")], unread_ids={1}))

    assert html.startswith('<li class="margin-bottom-2 so-message">\n')
    assert (
        '<span class="usa-hint">8 Mar 2026, 00:30</span> <span class="usa-tag">New</span>' in html
    )
    assert '<p class="so-pre margin-y-05">Hello</p>' in html
    assert "<ul" not in html  # no files sent with it


def test_only_unread_messages_are_marked_new():
    html = str(message_items([_message(1, "a"), _message(2, "b")], unread_ids={2}))

    first, second = html.split("</li>")[:2]
    assert "usa-tag" not in first and "usa-tag" in second


def test_a_file_is_a_link_once_scanned_clean_and_says_why_not_before():
    clean = RecordFile(pk=41, original_name="biopsy.pdf", size=2048, scan_status="clean")
    pending = RecordFile(pk=42, original_name="scan.pdf", size=2048, scan_status="pending")

    html = str(message_items([_message(1, "Files", files=[clean, pending])], unread_ids=set()))

    assert f'href="{reverse("records:record-download", args=[41])}">biopsy.pdf</a>' in html
    assert reverse("records:record-download", args=[42]) not in html
    assert '<li>scan.pdf <span class="usa-hint">(2.0\xa0KB: ' in html


def test_nothing_anyone_wrote_becomes_markup():
    hostile = '<script>alert("x")</script>'
    record = RecordFile(pk=9, original_name=hostile, size=1, scan_status="clean")

    html = str(
        message_items([_message(1, hostile, author=hostile, files=[record])], unread_ids=set())
    )

    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 3
