"""Reading cases, scoped to what each user may see."""

from django.db.models import Q, QuerySet

from secondopinion.accounts.models import Role
from specialists import selectors as specialist_selectors

from .models import Case, CaseEvent, Opinion, Report, Status

# A coordinator's queue: cases waiting for a coordinator's next action, in the order they act.
COORDINATOR_QUEUE_STATES = (
    Status.SUBMITTED,
    Status.TRIAGE,
    Status.MATCHING,
    Status.OFFERED,
    Status.OPINION_SUBMITTED,
)


def cases_visible_to(user) -> QuerySet[Case]:
    cases = Case.objects.select_related("owner", "specialist__user")
    if not user.is_authenticated or not user.is_active:
        return cases.none()
    if user.role == Role.COORDINATOR:
        return cases.exclude(status=Status.DRAFT)
    if user.role == Role.SPECIALIST:
        offered = specialist_selectors.case_ids_offered_to(user)
        return cases.filter(Q(specialist__user=user) | Q(pk__in=offered))
    return cases.filter(owner=user)


def coordinator_queue() -> QuerySet[Case]:
    return (
        Case.objects.filter(status__in=COORDINATOR_QUEUE_STATES)
        .select_related("owner", "specialist__user")
        .order_by("submitted_at", "id")
    )


def timeline_for(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("actor")


def opinion_for(case: Case) -> Opinion | None:
    return Opinion.objects.filter(case=case).select_related("author__user").first()


def latest_report_for(case: Case) -> Report | None:
    """The report of the opinion's current revision, if it has been rendered."""
    opinion = opinion_for(case)
    if opinion is None:
        return None
    return Report.objects.filter(opinion=opinion, opinion_revision=opinion.revision).first()


def reports_for(case: Case) -> QuerySet[Report]:
    return Report.objects.filter(case=case)
