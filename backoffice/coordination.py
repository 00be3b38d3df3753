"""Coordination: which coordinator looks after a case, reminders to whoever a case waits on, and
the SLA watch (the hourly beat task) that reminds and escalates when a step nears or passes its
service level. None of it changes a case's state.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from cases import permissions
from cases.models import Case, Status
from cases.service_levels import PAUSED, STAGES, add_working_days, stage_clock, working_days_between
from secondopinion.accounts.models import Role, User
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import lazy_date, lazy_text, notify
from secondopinion.text import Text
from specialists import selectors as specialist_selectors

from . import queues
from .models import SLAAlert

logger = logging.getLogger(__name__)


def coordinators() -> QuerySet[User]:
    """Every active coordinator, by name: who a case can be assigned to."""
    return User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("full_name", "pk")


# Who a case waits on --------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    user: User
    who: str  # "patient" or "specialist", for the audit event and messages
    message: str | Promise  # the in-app reminder (the email says only that there is an update)


def waiting_on(case: Case) -> Waiting | None:
    """The person `case` waits on, when it is not a coordinator: the patient's side for an open
    question, the offered specialist for an answer, the assigned specialist for the opinion."""
    reference = case.reference
    if case.status in PAUSED:
        return Waiting(
            case.owner,
            "patient",
            lazy_text(
                _("Reminder: a question on your case %(reference)s is waiting for your answer."),
                reference=reference,
            ),
        )
    if case.status == Status.OFFERED:
        offer = specialist_selectors.open_offer_for_case(case.pk)
        if offer is not None:
            return Waiting(
                offer.specialist.user,
                "specialist",
                lazy_text(
                    _("Reminder: please accept or decline the offer of case %(reference)s."),
                    reference=reference,
                ),
            )
    if case.status == Status.IN_REVIEW and case.specialist is not None:
        return Waiting(
            case.specialist.user,
            "specialist",
            lazy_text(
                _(
                    "Reminder: your opinion on case %(reference)s is due; its date is on the "
                    "case page."
                ),
                reference=reference,
            ),
        )
    return None


def _send(waiting: Waiting, case: Case) -> None:
    link = reverse("cases:case-detail", args=[case.reference])
    notify(user=waiting.user, message=waiting.message, link=link)


# Bulk actions from the queues -----------------------------------------------------------------


@dataclass
class BulkResult:
    done: list[Case] = field(default_factory=list)
    skipped: list[tuple[str, Text]] = field(default_factory=list)  # (reference, why)


def _selected(*, references: Iterable[str], queue: str, by: User) -> tuple[list[Case], BulkResult]:
    """The selected cases still in `queue`, locked; the others are reported as skipped."""
    if not permissions.is_coordinator(by):
        raise ApplicationError(_("Only coordinators can do that."))
    references = list(dict.fromkeys(ref for ref in references if ref))
    if not references:
        raise ApplicationError(_("Select at least one case first."))
    if queue not in queues.QUEUES_BY_KEY:
        raise ApplicationError(_("Choose the queue the cases are in."))
    in_queue = set(
        queues.cases_in_queue(queue)
        .filter(reference__in=references)
        .values_list("reference", flat=True)
    )
    cases = {
        case.reference: case
        for case in Case.objects.select_for_update(of=("self",))
        .select_related("owner", "specialist__user", "coordinator")
        .filter(reference__in=in_queue)
        .order_by("reference")
    }
    result = BulkResult()
    for reference in references:
        if reference not in cases:
            result.skipped.append((reference, _("is no longer in this queue")))
    return [cases[ref] for ref in references if ref in cases], result


@transaction.atomic
def assign_cases(*, references: Iterable[str], queue: str, to: User, by: User) -> BulkResult:
    """Make `to` the coordinator of each selected case still in `queue` (audited per case; the
    case's state does not change). `to` is told when someone else assigned them."""
    cases, result = _selected(references=references, queue=queue, by=by)
    if not permissions.is_coordinator(to) or not to.is_active:
        raise ApplicationError(_("Cases can be assigned to an active coordinator only."))
    for case in cases:
        previous = case.coordinator_id
        case.coordinator = to
        case.save(update_fields=["coordinator", "updated_at"])
        record_event(
            actor=by,
            action="case.assign_coordinator",
            obj=case,
            case_id=case.pk,
            detail={"coordinator": to.pk, "previous": previous},
        )
        result.done.append(case)
    if result.done and to.pk != by.pk:
        count = len(result.done)
        notify(
            user=to,
            message=lazy_text(
                ngettext_lazy(
                    "%(by)s assigned %(count)s case to you.",
                    "%(by)s assigned %(count)s cases to you.",
                    count,
                ),
                by=by,
                count=count,
            ),
            link=reverse("coordinator:queue") + "?assigned=me",
        )
    return result


@transaction.atomic
def remind_cases(*, references: Iterable[str], queue: str, by: User) -> BulkResult:
    """Remind whoever each selected case still in `queue` waits on (audited per case). A case
    that waits on a coordinator is skipped, saying so."""
    cases, result = _selected(references=references, queue=queue, by=by)
    for case in cases:
        waiting = waiting_on(case)
        if waiting is None:
            result.skipped.append(
                (case.reference, _("waits on a coordinator, not on someone else"))
            )
            continue
        _send(waiting, case)
        record_event(
            actor=by, action="case.remind", obj=case, case_id=case.pk, detail={"to": waiting.who}
        )
        result.done.append(case)
    return result


# The SLA watch --------------------------------------------------------------------------------

# States whose step has a service level (every stage's states).
WATCHED = frozenset().union(*(stage.states for stage in STAGES))


def _alert_once(case: Case, *, stage: str, kind: str, entered_at) -> SLAAlert | None:
    """Record the alert, or None when it was sent for this stage entry already (the unique
    constraint settles two runs at once)."""
    alert, created = SLAAlert.objects.get_or_create(
        case=case, stage=stage, kind=kind, stage_entered_at=entered_at
    )
    return alert if created else None


def _remind_patient(case: Case, events: list, today: date) -> SLAAlert | None:
    entered = [event.at for event in events if event.to_status == case.status]
    if not entered:
        return None
    waited = working_days_between(timezone.localdate(entered[-1]), today)
    if waited < settings.SLA_ANSWER_REMINDER_WORKING_DAYS:
        return None
    return _remind(case, stage=case.status, entered_at=entered[-1])


def _remind(case: Case, *, stage: str, entered_at) -> SLAAlert | None:
    waiting = waiting_on(case)
    if waiting is None:
        return None
    alert = _alert_once(case, stage=stage, kind=SLAAlert.Kind.REMINDER, entered_at=entered_at)
    if alert is None:
        return None
    _send(waiting, case)
    record_event(
        actor=None,
        action="case.sla_reminder",
        obj=alert,
        case_id=case.pk,
        detail={"to": waiting.who},
    )
    return alert


# The service-level steps as a coordinator's reminder names them ("its quality check step").
STEP_NAMES = {
    "triage": pgettext_lazy("service level step", "triage"),
    "matching": pgettext_lazy("service level step", "matching"),
    "offer": pgettext_lazy("service level step", "offer"),
    "review": pgettext_lazy("service level step", "review"),
    "quality_check": pgettext_lazy("service level step", "quality check"),
}


def _escalate(case: Case, clock) -> SLAAlert | None:
    alert = _alert_once(
        case, stage=clock.stage.key, kind=SLAAlert.Kind.ESCALATION, entered_at=clock.started_at
    )
    if alert is None:
        return None
    assigned = case.coordinator if case.coordinator and case.coordinator.is_active else None
    recipients = [assigned] if assigned else list(coordinators())
    step = STEP_NAMES.get(clock.stage.key, clock.stage.key.replace("_", " "))
    message = lazy_text(
        _("Case %(reference)s is past its service level: its %(step)s step was due by %(due)s."),
        reference=case.reference,
        step=step,
        due=lazy_date(clock.due, "j M Y"),
    )
    link = reverse("cases:case-detail", args=[case.reference])
    for coordinator in recipients:
        notify(user=coordinator, message=message, link=link)
    record_event(
        actor=None,
        action="case.sla_escalation",
        obj=alert,
        case_id=case.pk,
        detail={"stage": clock.stage.key, "coordinators": len(recipients)},
    )
    return alert


def send_sla_alerts() -> list[SLAAlert]:
    """The SLA watch (the beat task's service), once for each case and stage entry:

    - the specialist is reminded when the review is due within SLA_REMINDER_WORKING_DAYS_BEFORE
      working days (or is already late);
    - the patient's side is reminded when a question has waited SLA_ANSWER_REMINDER_WORKING_DAYS
      working days for their answer;
    - coordinators are told once a step is past its service level: the case's coordinator, or
      every coordinator when it has none.

    Due dates are the timeline's (`service_levels.stage_clock`): the clock stops while the case
    waits on the patient. Ended, delivered and draft cases have no clock and get nothing.
    """
    today = timezone.localdate()
    sent = []
    # Only the cases that may need an alert, from the due date each transition stores: those
    # waiting on the patient, and those due within the reminder horizon or already late.
    horizon = add_working_days(today, settings.SLA_REMINDER_WORKING_DAYS_BEFORE)
    cases = (
        Case.objects.filter(status__in=WATCHED)
        .filter(Q(status__in=PAUSED) | Q(step_due_on__lte=horizon))
        .select_related("owner", "specialist__user", "coordinator")
        .prefetch_related("events")
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=500):
        events = sorted(case.events.all(), key=lambda event: (event.at, event.pk))
        clock = stage_clock(case, events)
        if clock is None or clock.started_at is None:
            continue
        try:
            with transaction.atomic():  # each case on its own: one failure spares the rest
                if case.status in PAUSED:
                    sent.append(_remind_patient(case, events, today))
                elif (
                    case.status == Status.IN_REVIEW
                    and working_days_between(today, clock.due)
                    <= settings.SLA_REMINDER_WORKING_DAYS_BEFORE
                ):
                    sent.append(_remind(case, stage=clock.stage.key, entered_at=clock.started_at))
                if clock.overdue:
                    sent.append(_escalate(case, clock))
        except Exception:
            logger.exception("SLA alerts for case %s failed; the next run tries again", case.pk)
    return [alert for alert in sent if alert is not None]
