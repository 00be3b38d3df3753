"""Everything that changes what happens after the opinion. Each change is audited; nothing here
writes on a case (cases' services do that)."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions as case_permissions
from cases import selectors as case_selectors
from cases.models import Case
from review import selectors as review_selectors
from secondopinion.accounts.models import User
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import lazy_text, notify

from . import permissions, selectors
from .models import SURE_ITEMS, CheckIn, Decision, FollowUpChoice, Moment, PatientQuestion

MAX_PATIENT_QUESTIONS = 10
GONE = gettext_lazy("This case's opinion is no longer available, so nothing was saved.")


def _audit(case: Case, by: User, action: str, obj, **detail) -> None:
    record_event(
        actor=by,
        action=action,
        obj=obj,
        case_id=case.pk,
        on_behalf_of=case_selectors.acting_for(case, by),
        detail=detail or None,
    )


def _locked(case: Case) -> Case:
    """The case row, locked, as it is now (a deletion or a withdrawal may have just happened)."""
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def record_decision(
    *, case: Case, by: User, moment: str, intention: str = "", **sure: bool
) -> tuple[Decision, bool]:
    """Store (or change) the patient's decision and SURE answers at `moment`. Returns the decision
    and whether it replaced an earlier answer."""
    case = _locked(case)
    if not permissions.can_record_decision(by, case, moment):
        if moment == Moment.BEFORE:
            raise ApplicationError(
                _("The opinion is already delivered: record your decision after reading it.")
            )
        raise ApplicationError(str(GONE))
    if set(sure) != {name for name, _ in SURE_ITEMS}:
        raise ApplicationError(_("Answer all four questions, yes or no."))
    if moment == Moment.AFTER and not intention:
        raise ApplicationError(_("Choose what you intend to do."), field="intention")
    decision, created = Decision.objects.update_or_create(
        case=case,
        moment=moment,
        defaults={"intention": intention if moment == Moment.AFTER else "", "recorded_by": by}
        | {name: bool(value) for name, value in sure.items()},
    )
    _audit(case, by, "outcomes.decision", decision, moment=moment, changed=not created)
    return decision, not created


@transaction.atomic
def add_patient_question(*, case: Case, by: User, text: str) -> PatientQuestion:
    case = _locked(case)
    if not permissions.can_add_question(by, case):
        raise ApplicationError(str(GONE))
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write your question."), field="text")
    if selectors.patient_questions_for(case).count() >= MAX_PATIENT_QUESTIONS:
        raise ApplicationError(
            _("You can add up to %(max)d questions.") % {"max": MAX_PATIENT_QUESTIONS}, field="text"
        )
    question = PatientQuestion.objects.create(case=case, text=text, added_by=by)
    _audit(case, by, "outcomes.question_add", question)
    return question


@transaction.atomic
def set_follow_up(*, case: Case, by: User, declined: bool) -> FollowUpChoice:
    """The patient declines follow-up on this case (or takes it up again). The opinion is not
    affected."""
    case = _locked(case)
    if not permissions.can_change_follow_up_choice(by, case):
        raise ApplicationError(str(GONE))
    choice, _ = FollowUpChoice.objects.update_or_create(
        case=case, defaults={"declined": declined, "changed_by": by}
    )
    _audit(case, by, "outcomes.follow_up_choice", choice, declined=declined)
    return choice


def check_in_refusal(case: Case) -> str | None:
    """Why the patient cannot answer a check-in on `case` now, or None."""
    if not permissions.opinion_delivered(case):
        return str(GONE)
    if case_selectors.consent_for(case) is None:
        return _("You withdrew your consent on this case, so we no longer take check-in answers.")
    if selectors.follow_up_declined(case):
        return _("You declined follow-up on this case, so we no longer take check-in answers.")
    return None


class AlreadyAnswered(ApplicationError):
    pass


@transaction.atomic
def answer_check_in(
    *,
    check_in: CheckIn,
    by: User,
    diagnosis_changed: str,
    treatment_changed: str,
    followed_advice: str,
    how_it_went: str = "",
) -> CheckIn:
    """Store the patient's answer to a check-in: once (a second answer is refused, the first kept)."""
    case = _locked(check_in.case)
    locked = CheckIn.objects.select_for_update().filter(pk=check_in.pk).first()
    if locked is None:
        raise ApplicationError(str(GONE))
    check_in = locked
    if not case_permissions.is_owner(by, case):
        raise ApplicationError(_("Only the patient's side answers a check-in."))
    refusal = check_in_refusal(case)
    if refusal:
        raise ApplicationError(refusal)
    if check_in.answered_at is not None:
        raise AlreadyAnswered(
            _(
                "You already answered this check-in on %(date)s. "
                "We kept that first answer; this one was not saved."
            )
            % {"date": date_format(timezone.localtime(check_in.answered_at), _("d F Y"))}
        )
    check_in.diagnosis_changed = diagnosis_changed
    check_in.treatment_changed = treatment_changed
    check_in.followed_advice = followed_advice
    check_in.how_it_went = how_it_went.strip()
    check_in.answered_at, check_in.answered_by = timezone.now(), by
    check_in.save()
    _audit(case, by, "outcomes.check_in_answer", check_in, interval_days=check_in.interval_days)
    return check_in


def _open_check_in(case: Case, interval_days: int) -> CheckIn | None:
    """Open the check-in and tell the patient (in the app, and by a PHI-free email unless they
    turned case emails off), once: a second call for the same case and interval does nothing."""
    try:
        with transaction.atomic():
            case = _locked(case)
            if check_in_refusal(case):
                return None
            check_in = CheckIn.objects.create(case=case, interval_days=interval_days)
            notify(
                user=case.owner,
                message=lazy_text(
                    gettext_lazy(
                        "A short %(days)s-day check-in about your second opinion "
                        "(%(reference)s) is waiting for you."
                    ),
                    days=interval_days,
                    reference=case.reference,
                ),
                link=reverse("outcomes:check-in", args=[case.reference, interval_days]),
                email_template="check_in",
            )
            record_event(
                actor=None,
                action="outcomes.check_in_open",
                obj=check_in,
                case_id=case.pk,
                detail={"interval_days": interval_days},
            )
    except IntegrityError:
        return None  # another beat run opened it first
    return check_in


def open_due_check_ins(*, now: datetime | None = None) -> list[CheckIn]:
    """The beat task's service: open every check-in whose interval has passed since the case's
    first delivery and that is not open yet. Running it twice opens nothing more."""
    now = now or timezone.now()
    opened = []
    for interval_days in CheckIn.INTERVALS:
        due = (
            review_selectors.by_first_delivery(review_selectors.delivered_cases())
            # delivered_on: annotated by by_first_delivery (django-stubs sees the model's fields).
            .filter(delivered_on__lte=now - timedelta(days=interval_days))  # type: ignore[misc]
            .exclude(pk__in=CheckIn.objects.filter(interval_days=interval_days).values("case_id"))
            .exclude(pk__in=FollowUpChoice.objects.filter(declined=True).values("case_id"))
            .order_by("pk")
        )
        for case in due[:500]:
            check_in = _open_check_in(case, interval_days)
            if check_in is not None:
                opened.append(check_in)
    return opened
