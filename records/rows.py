"""The rows of a table of files (records/partials/records_list.html), written in Python
(secondopinion.rows says why): a case with 300 files spent some 90 ms on its table through the
template engine. The phrases are the ones the template had (the same messages in the catalogs);
every value from a record is escaped."""

from collections.abc import Iterable

from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from secondopinion.rows import Once, url_for_any

from . import words
from .models import RecordFile


def record_rows(records: Iterable[RecordFile], *, is_record_owner: bool) -> SafeString:
    table = RecordTable(is_record_owner=is_record_owner)
    return mark_safe("".join(table.row(record) for record in records))  # noqa: S308 (escaped)


class RecordTable:
    def __init__(self, *, is_record_owner: bool) -> None:
        self.is_record_owner = is_record_owner
        self.download = url_for_any("records:record-download")
        self.describe = url_for_any("records:record-describe")
        self.describe_label = escape(gettext("Describe"))
        self.read = escape(pgettext("a file that was read", "Read"))
        self.being_read = escape(gettext("Being read"))
        self.no_preview = escape(gettext("No preview:"))
        self.unreadable = escape(gettext("Could not read this file"))
        self._once = Once()

    def row(self, record: RecordFile) -> str:
        scan = self._once("scan", record.scan_status, lambda: record.scan_status_label)
        return (
            f"<tr>\n  <td>{self._file(record)}</td>\n"
            f"  <td>{self._once('type', record.content_type, lambda: record.type_label)}</td>\n"
            f"  <td>{self._once('size', record.size, lambda: filesizeformat(record.size))}</td>\n"
            f'  <td class="so-scan so-scan--{escape(record.scan_status)}">{scan}</td>\n'
            f"  <td>{self._contents(record)}</td>\n"
            f"  <td>{self._added(record)}</td>\n</tr>\n"
        )

    def _file(self, record: RecordFile) -> str:
        name = escape(record.original_name)
        cell = (
            f'<a href="{self.download(record.pk)}">{name}</a>' if record.is_downloadable else name
        )
        if record.label:
            label = self._once("label", record.label, lambda: record.label_name)
            cell += f'\n    <span class="usa-tag margin-left-05">{label}</span>'
        if record.note:
            cell += (
                f'\n    <span class="display-block usa-hint so-pre">{escape(record.note)}</span>'
            )
        if self.is_record_owner:
            cell += (
                f'\n    <a class="display-block font-body-3xs" href="{self.describe(record.pk)}">'
                f'{self.describe_label}<span class="usa-sr-only"> {name}</span></a>'
            )
        return cell

    def _contents(self, record: RecordFile) -> str:
        """What reading the file found: its pages, its kind of DICOM, or where reading stands."""
        metadata = record.metadata or {}
        if record.is_read:
            if record.page_count:
                pages = ngettext("%(pages)s page", "%(pages)s pages", record.page_count)
                return escape(pages % {"pages": formats.localize(record.page_count)})
            if record.is_dicom:
                said: str = escape(record.dicom_kind_label)
                if metadata.get("modality"):
                    said += f" ({escape(metadata['modality'])})"
                if metadata.get("no_preview"):
                    why = escape(words.said(metadata, "no_preview"))
                    said += (
                        f'\n      <span class="display-block"><strong>{self.no_preview}</strong>'
                        f" {why}</span>"
                    )
                return said
            return self.read
        if record.is_unreadable:
            said = f"<strong>{self.unreadable}</strong>"
            if metadata.get("unreadable"):
                why = escape(words.said(metadata, "unreadable"))
                said += f'\n    <span class="display-block usa-hint">{why}</span>'
            return said
        return self.being_read if record.is_being_read else "—"

    def _added(self, record: RecordFile) -> str:
        day = timezone.localtime(record.uploaded_at).date()
        added = self._once("day", day, lambda: formats.date_format(day, "j M Y"))
        source = record.records_request if record.records_request_id else None
        if source is None:
            return added
        sent_by = gettext("from %(provider)s") % {"provider": source.provider_name}
        return f'{added}<span class="display-block usa-hint">{escape(sent_by)}</span>'
