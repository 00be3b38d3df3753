"""The messages of a case (messaging/case_messages.html), written in Python (secondopinion.rows
says why): a case with 150 messages spent most of its page in the template engine. The phrases
are the ones the template had; every value is escaped."""

from collections.abc import Iterable
from functools import partial

from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from secondopinion.rows import Once, url_for_any

from .models import Message


def message_items(messages: Iterable[Message], *, unread_ids: set[int]) -> SafeString:
    new = escape(pgettext("a message not read yet", "New"))
    files_label = escape(gettext("Files sent with this message"))
    download = url_for_any("records:record-download")
    days = Once()
    items = []
    for message in messages:
        local = timezone.localtime(message.created_at)
        day = days("day", local.date(), partial(formats.date_format, local, "j M Y"))
        when = f"{day}, {local:%H:%M}"  # "j M Y, H:i", the day worked out once
        tag = f' <span class="usa-tag">{new}</span>' if message.pk in unread_ids else ""
        item = (
            '<li class="margin-bottom-2 so-message">\n'
            f'    <p class="margin-y-05"><strong>{escape(message.author)}</strong> '
            f'<span class="usa-hint">{when}</span>{tag}</p>\n'
            f'    <p class="so-pre margin-y-05">{escape(message.body)}</p>\n'
        )
        files = message.files  # type: ignore[attr-defined]  # selectors.messages_for
        if files:
            listed = "".join(_attachment(record, download) for record in files)
            item += (
                f'    <ul class="usa-list margin-y-05" aria-label="{files_label}">{listed}</ul>\n'
            )
        items.append(item + "  </li>\n")
    return mark_safe("".join(items))  # noqa: S308 (escaped)


def _attachment(record, download) -> str:
    name = escape(record.original_name)
    size = escape(filesizeformat(record.size))
    if record.is_downloadable:
        return (
            f'<li><a class="usa-link" href="{download(record.pk)}">{name}</a> '
            f'<span class="usa-hint">({size})</span></li>'
        )
    scan = escape(record.scan_status_label)
    return f'<li>{name} <span class="usa-hint">({size}: {scan})</span></li>'
