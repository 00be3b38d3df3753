"""The coordinator's queues: which cases wait on a coordinator, why, and what to do next.

Every queue is a filter over one annotated queryset, so the counts come from a single query and
a page of rows from another, however many cases there are.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from cases import page as case_page
from cases.models import Case, Coverage, Status, Urgency
from cases.permissions import COVERAGE_CHECK_STATES
from cases.service_levels import STAGES
from specialists.models import Offer, Specialist

PAGE_SIZE = 25
# The queues that are one or more states: their rows filter on these, their counts come from one
# GROUP BY over them.
STATE_QUEUES = {
    "new": (Status.SUBMITTED, Status.TRIAGE),
    "needs_info": (Status.NEEDS_INFO,),
    "matching": (Status.MATCHING,),
    "quality": (Status.OPINION_SUBMITTED,),
}


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    reason: str  # why a case is in this queue, shown on its row
    next_action: str


QUEUES = (
    Queue("new", "New submissions", "Submitted or in triage", "Triage the case"),
    Queue("needs_info", "Needs information", "Waiting for the patient's answer", "Chase or review"),
    Queue("matching", "Matching", "Needs a specialist", "Offer to a specialist"),
    Queue(
        "offers_expiring",
        "Offers about to expire",
        "The specialist's answer is due soon",
        "Remind the specialist or offer to another",
    ),
    Queue(
        "overdue_reviews",
        "Overdue reviews",
        "The review is past its service level",
        "Contact the specialist",
    ),
    Queue("quality", "Quality checks", "Opinion submitted", "Check and deliver the opinion"),
    Queue(
        "coverage",
        "Coverage checks pending",
        "Insurance not yet checked",
        "Record the coverage check",
    ),
)
QUEUES_BY_KEY = {queue.key: queue for queue in QUEUES}

SLA_OVERDUE, SLA_ON_TRACK = "overdue", "on_track"
ASSIGNED_TO_ME, UNASSIGNED = "me", "unassigned"
SORTS = {
    "oldest": ("submitted_at", "id"),
    "newest": ("-submitted_at", "-id"),
    "urgency": ("urgency_rank", "submitted_at", "id"),
    "reference": ("reference",),
}


def _overdue() -> Q:
    """Cases whose current step has run past its service level (as the timeline counts: the
    clock stops while the case waits on the patient), from the due date each transition stores."""
    return Q(step_due_on__lt=timezone.localdate())


def _queue_filters(now: datetime) -> dict[str, Q]:
    soon = now + timedelta(hours=settings.OFFER_EXPIRY_WARNING_HOURS)
    review = next(stage for stage in STAGES if stage.key == "review")
    return {
        **{key: Q(status__in=states) for key, states in STATE_QUEUES.items()},
        # Subqueries as IN lists: PostgreSQL hashes each once, rather than probing per case.
        "offers_expiring": Q(
            status=Status.OFFERED,
            pk__in=Offer.objects.filter(status=Offer.Status.OPEN, respond_by__lte=soon).values(
                "case_id"
            ),
        ),
        "overdue_reviews": Q(status__in=review.states) & _overdue(),
        # On the partial index of insured open cases not yet checked (the flag is kept by
        # record_coverage_check).
        "coverage": Q(
            coverage=Coverage.INSURANCE, status__in=COVERAGE_CHECK_STATES, coverage_checked=False
        ),
    }


def submitted_cases() -> QuerySet[Case]:
    return Case.objects.exclude(status=Status.DRAFT)


def with_row_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a queue's rows show: the people, the open offer's deadline, an orderable urgency."""
    return cases.select_related("owner", "specialist__user", "coordinator").annotate(
        offer_respond_by=Subquery(
            Offer.objects.filter(case=OuterRef("pk"), status=Offer.Status.OPEN).values(
                "respond_by"
            )[:1]
        ),
        urgency_rank=SqlCase(
            When(urgency=Urgency.URGENT, then=Value(0)),
            When(urgency=Urgency.SOON, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    )


def queue_counts(cases: QuerySet[Case], *, now: datetime | None = None) -> dict[str, int]:
    """How many cases each queue holds: the queues of plain states from one count by state over
    those states alone (on the state index), the other three each from its own indexed count.
    Four queries, however many cases."""
    filters = _queue_filters(now or timezone.now())
    # Only the queues' own states are counted (on the status index): the ended cases, most of
    # the history, are never read.
    live = {state for states in STATE_QUEUES.values() for state in states}
    per_state = dict(
        cases.filter(status__in=live).order_by().values_list("status").annotate(n=Count("pk"))
    )
    counts = {
        key: sum(per_state.get(state, 0) for state in states)
        for key, states in STATE_QUEUES.items()
    }
    for key in sorted(filters.keys() - STATE_QUEUES.keys()):
        counts[key] = cases.filter(filters[key]).count()
    return counts


@dataclass(frozen=True)
class Filters:
    specialty: int | None = None
    urgency: str = ""
    payer: str = ""  # "self_pay", or an insurance company's name
    older_than_days: int | None = None
    sla: str = ""  # SLA_OVERDUE or SLA_ON_TRACK
    assigned: str = ""  # ASSIGNED_TO_ME or UNASSIGNED; empty for anyone
    me: int | None = None  # the coordinator looking, for ASSIGNED_TO_ME


def apply_filters(cases: QuerySet[Case], filters: Filters) -> QuerySet[Case]:
    if filters.specialty:
        cases = cases.filter(
            Exists(
                Specialist.objects.filter(
                    pk=OuterRef("specialist_id"), specialties=filters.specialty
                )
            )
            | Exists(Offer.objects.filter(case=OuterRef("pk"), specialty=filters.specialty))
        )
    if filters.urgency:
        cases = cases.filter(urgency=filters.urgency)
    if filters.payer == "self_pay":
        cases = cases.filter(coverage=Coverage.SELF_PAY)
    elif filters.payer:
        cases = cases.filter(coverage=Coverage.INSURANCE, insurance_payer__iexact=filters.payer)
    if filters.older_than_days:
        cases = cases.filter(
            submitted_at__lt=timezone.now() - timedelta(days=filters.older_than_days)
        )
    if filters.sla == SLA_OVERDUE:
        cases = cases.filter(_overdue())
    elif filters.sla == SLA_ON_TRACK:
        cases = cases.exclude(_overdue())
    if filters.assigned == ASSIGNED_TO_ME:
        cases = cases.filter(coordinator_id=filters.me)
    elif filters.assigned == UNASSIGNED:
        cases = cases.filter(coordinator__isnull=True)
    return cases


def cases_in_queue(key: str) -> QuerySet[Case]:
    """The cases queue `key` holds now, whatever the filters: what a bulk action may act on."""
    return submitted_cases().filter(_queue_filters(timezone.now())[key])


def payers() -> list[str]:
    """The insurance companies named on submitted cases, for the payer filter."""
    names = (
        Case.objects.exclude(status=Status.DRAFT)
        .filter(coverage=Coverage.INSURANCE)
        .exclude(insurance_payer="")
        .values_list("insurance_payer", flat=True)
        .distinct()
        .order_by("insurance_payer")
    )
    return list(names)


@dataclass
class QueuePage:
    queue: Queue
    counts: dict[str, int]
    page: Page
    out_of_range: bool


def queue_page(
    *, key: str, filters: Filters, sort: str = "oldest", page_number: str | int = 1
) -> QueuePage:
    """One page of a queue (filtered and sorted), with every queue's count under the filters.

    A page number past the end gives the last page, and says so.
    """
    now = timezone.now()
    cases = apply_filters(submitted_cases(), filters)
    counts = queue_counts(cases, now=now)
    rows = with_row_details(cases.filter(_queue_filters(now)[key])).order_by(*SORTS[sort])
    paginator = Paginator(rows, PAGE_SIZE, allow_empty_first_page=True)
    # The count is known already: spare the paginator its own COUNT query.
    paginator.count = counts[key]
    try:
        number = int(page_number)
    except (TypeError, ValueError):
        number = 1
    out_of_range = number > paginator.num_pages or number < 1
    number = min(max(number, 1), paginator.num_pages)
    page = _page_from_nearer_end(rows, paginator, number, SORTS[sort])
    for case in page.object_list:
        case.queue_reason = _reason(QUEUES_BY_KEY[key], case)
        case.sla_due = case.step_due_on
        case.sla_overdue = case.sla_due is not None and case.sla_due < timezone.localdate()
    return QueuePage(QUEUES_BY_KEY[key], counts, page, out_of_range)


def _page_from_nearer_end(rows, paginator: Paginator, number: int, order) -> Page:
    """Page `number`, read from whichever end of the sorted queue is nearer: the last pages in
    the reversed order with a short OFFSET, so that no page sorts and skips more than half the
    queue (the last page, where the oldest waiting cases are when sorted newest first, skips
    none). Every sort ends in a unique key, so both directions give the same rows."""
    if number <= (paginator.num_pages + 1) // 2:
        return paginator.page(number)
    start = (number - 1) * paginator.per_page
    end = min(start + paginator.per_page, paginator.count)
    reverse = [key[1:] if key.startswith("-") else f"-{key}" for key in order]
    from_end = paginator.count - end
    object_list = list(rows.order_by(*reverse)[from_end : from_end + end - start])[::-1]
    return Page(object_list, number, paginator)


def _reason(queue: Queue, case: Case) -> str:
    if queue.key == "new":
        return "Submitted, not yet triaged" if case.status == Status.SUBMITTED else "In triage"
    if queue.key == "offers_expiring" and (
        respond_by := case_page.annotated(case, "offer_respond_by")  # this queue's annotation
    ):
        when = timezone.localtime(respond_by)
        return f"{queue.reason}: by {when:%d %b %Y, %H:%M}"
    if queue.key == "coverage" and case.insurance_payer:
        return f"{queue.reason} ({case.insurance_payer})"
    return queue.reason
