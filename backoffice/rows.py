"""Rows of the back office's long tables, written in Python (secondopinion.rows says why): the
queue's (25 rows of nine cells took about 8 ms of the queue's 40 through the template engine),
the metrics page's outcomes by specialty and quarter (164 rows of seven cells) and the audit
log's (50 rows of six cells, about 9 ms of the viewer's 17). The phrases are the ones the
templates had; every value is escaped."""

from collections.abc import Iterable
from datetime import date, datetime
from functools import partial

from django.utils import formats, timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from cases.models import Case
from secondopinion.audit.models import AuditEvent
from secondopinion.rows import Once, url_for_any
from secondopinion.templatetags.people import isolated

from .queues import Queue


def queue_rows(cases: Iterable[Case], *, queue: Queue, coordinator_id: int) -> SafeString:
    table = QueueTable(queue=queue, coordinator_id=coordinator_id)
    return mark_safe("".join(table.row(case) for case in cases))  # noqa: S308 (escaped)


class QueueTable:
    def __init__(self, *, queue: Queue, coordinator_id: int) -> None:
        self.coordinator_id = coordinator_id
        self.case_url = url_for_any("cases:case-detail", "0")
        self.next_action = escape(queue.next_action)
        self.no_title = escape(gettext("(no title)"))
        self.overdue = escape(gettext("(overdue)"))
        self.you = escape(gettext("You"))
        self._once = Once()

    def row(self, case: Case) -> str:
        reference = escape(case.reference)
        select = escape(gettext("Select case %(reference)s") % {"reference": case.reference})
        # Coordinators read the staff's names of the states (includes/status.html).
        status = self._once("status", case.status, lambda: case.staff_status_label)
        urgency = self._once("urgency", case.urgency, lambda: case.urgency_label or "—")
        return (
            "<tr>\n"
            '      <td><div class="usa-checkbox"><input class="usa-checkbox__input" '
            f'id="select-{reference}" type="checkbox" name="case" value="{reference}"><label '
            f'class="usa-checkbox__label" for="select-{reference}"><span class="usa-sr-only">'
            f"{select}</span></label></div></td>\n"
            f'      <td><a href="{self.case_url(case.reference)}">{reference}</a>'
            f'<span class="display-block">{isolated(case.patient_name) or ""}</span>'
            f'<span class="display-block usa-hint">{escape(case.title) or self.no_title}</span></td>\n'
            f'      <td><span class="so-status so-status--{escape(case.status)}">{status}</span></td>\n'
            f"      <td>{escape(case.queue_reason)}</td>\n"  # type: ignore[attr-defined]
            f"      <td>{self.next_action}</td>\n"
            f"      <td>{self._day(_local_day(case.submitted_at))}</td>\n"
            f"      <td>{self._due(case)}</td>\n"
            f"      <td>{urgency}</td>\n"
            f"      <td>{self._coordinator(case)}</td>\n"
            "    </tr>\n"
        )

    def _day(self, day: date | None) -> str:
        if day is None:
            return ""
        return self._once("day", day, lambda: formats.date_format(day, "j M Y"))

    def _due(self, case: Case) -> str:
        due = case.sla_due  # type: ignore[attr-defined]
        if not due:
            return "—"
        if case.sla_overdue:  # type: ignore[attr-defined]
            return f'{self._day(due)} <strong class="so-overdue">{self.overdue}</strong>'
        return self._day(due)

    def _coordinator(self, case: Case) -> str:
        if not case.coordinator_id:
            return "—"
        if case.coordinator_id == self.coordinator_id:
            return self.you
        return self._once("coordinator", case.coordinator_id, lambda: case.coordinator)


def _local_day(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def quarter_rows(rows: Iterable[dict]) -> SafeString:
    """The outcomes table's rows (backoffice.metrics.recent_quarters): a specialty's name is
    translated, and a figure localized, once however many rows show it."""
    once = Once()
    cells = []
    for row in rows:
        specialty = once("specialty", row["specialty"], partial(gettext, row["specialty"]))
        total, agree, refine, change, unsure = (
            once("number", row[key], partial(formats.localize, row[key]))
            for key in ("total", "agree", "refine", "change", "cannot_determine")
        )
        cells.append(
            f'<tr><th scope="row">{specialty}</th><td>{escape(row["quarter"])}</td>'
            f"<td>{total}</td><td>{agree}%</td><td>{refine}%</td><td>{change}%</td>"
            f"<td>{unsure}%</td></tr>\n"
        )
    return mark_safe("".join(cells))  # noqa: S308 (escaped)


def audit_rows(events: Iterable[tuple[AuditEvent, str]]) -> SafeString:
    """The audit log's rows: each event with its case's reference ("" for none). A second is
    formatted once however many events share it."""
    once = Once()
    system = escape(gettext("system"))
    cells = []
    for event, reference in events:
        at = _moment(timezone.localtime(event.at), once)
        who: str = escape(event.actor.email) if event.actor else system
        if event.on_behalf_of:
            who += gettext(" for %(email)s") % {"email": escape(event.on_behalf_of.email)}
        cells.append(
            "<tr>\n"
            f"      <td>{at}</td>\n"
            f"      <td>{who}</td>\n"
            f"      <td>{escape(event.action)}</td>\n"
            f"      <td>{escape(event.object_type)}:{escape(event.object_id)}</td>\n"
            f"      <td>{escape(reference) or '—'}</td>\n"
            f"      <td>{escape(event.ip) if event.ip else '—'}</td>\n"
            "    </tr>\n"
        )
    return mark_safe("".join(cells))  # noqa: S308 (escaped)


def _moment(local: datetime, once: Once) -> str:
    """`local` as the date filter writes "j M Y, H:i:s" (a month's short name is the one part
    that is translated, looked up once a month; the filter took 60 µs an event)."""
    month = once("month", local.month, lambda: MONTHS_3[local.month].title())
    return f"{local.day} {month} {local.year}, {local:%H:%M:%S}"
