"""The coordinator's queues: which cases wait on a coordinator, why, and what to do next.

Every queue is a filter over one annotated queryset, so the counts come from a single query and
a page of rows from another, however many cases there are.
"""

import json
import math
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import dateformat, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
    label: str | Promise
    reason: str | Promise  # why a case is in this queue, shown on its row
    next_action: str | Promise


QUEUES = (
    Queue("new", _("New submissions"), _("Submitted or in triage"), _("Triage the case")),
    Queue(
        "needs_info",
        _("Needs information"),
        _("Waiting for the patient's answer"),
        _("Chase or review"),
    ),
    Queue("matching", _("Matching"), _("Needs a specialist"), _("Offer to a specialist")),
    Queue(
        "offers_expiring",
        _("Offers about to expire"),
        _("The specialist's answer is due soon"),
        _("Remind the specialist or offer to another"),
    ),
    Queue(
        "overdue_reviews",
        _("Overdue reviews"),
        _("The review is past its service level"),
        _("Contact the specialist"),
    ),
    Queue(
        "quality", _("Quality checks"), _("Opinion submitted"), _("Check and deliver the opinion")
    ),
    Queue(
        "coverage",
        _("Coverage checks pending"),
        _("Insurance not yet checked"),
        _("Record the coverage check"),
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


def ranked(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with an orderable urgency (every sort's keys are then columns of the case)."""
    return cases.annotate(
        urgency_rank=SqlCase(
            When(urgency=Urgency.URGENT, then=Value(0)),
            When(urgency=Urgency.SOON, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    )


def with_row_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a queue's rows show: the people, the open offer's deadline, an orderable urgency."""
    return (
        ranked(cases)
        .select_related("owner", "specialist__user", "coordinator")
        .annotate(
            offer_respond_by=Subquery(
                Offer.objects.filter(case=OuterRef("pk"), status=Offer.Status.OPEN).values(
                    "respond_by"
                )[:1]
            ),
        )
    )


def _read(page_of_cases: QuerySet[Case], order) -> list[Case]:
    """The rows of one page, in the queue's order, with their details. The page is chosen on the
    case table alone (its LIMIT in a subquery) and only its rows are joined to the people: the
    planner never joins the whole queue to the users before cutting it to a page."""
    return list(
        with_row_details(Case.objects.filter(pk__in=page_of_cases.values("pk"))).order_by(*order)
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
        cases.filter(status__in=live).order_by().values_list("status").annotate(n=Count("*"))
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
        # IN lists, not EXISTS per case: PostgreSQL hashes each list once (a tenth of the time
        # over the live cases at 100,000).
        cases = cases.filter(
            Q(
                specialist_id__in=Specialist.specialties.through.objects.filter(
                    specialty_id=filters.specialty
                ).values("specialist_id")
            )
            | Q(pk__in=Offer.objects.filter(specialty=filters.specialty).values("case_id"))
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
    """The insurance companies named on submitted cases, for the payer filter.

    A skip scan on the insured cases' (payer, state) index: each step asks the index for the
    first name after the last one, so the cost follows the number of payers (a handful), not
    the number of insured cases a DISTINCT would read."""
    table = connection.ops.quote_name(Case._meta.db_table)
    first_after = (
        f"SELECT MIN(c.insurance_payer) FROM {table} c WHERE c.coverage = %s"  # noqa: S608
        " AND c.status <> %s AND c.insurance_payer > {after}"
    )
    sql = (
        "WITH RECURSIVE payers(name) AS ("  # noqa: S608
        f"SELECT ({first_after.format(after='%s')})"
        f" UNION ALL SELECT ({first_after.format(after='p.name')})"
        " FROM payers p WHERE p.name IS NOT NULL"
        ") SELECT name FROM payers WHERE name IS NOT NULL"
    )
    params = [Coverage.INSURANCE, Status.DRAFT, "", Coverage.INSURANCE, Status.DRAFT]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [name for (name,) in cursor.fetchall()]


@dataclass(frozen=True)
class _Paginator:
    count: int
    num_pages: int


@dataclass
class KeysetPage:
    """One page of a queue, read by keyset: the rows after (or before) the row a cursor names,
    in the queue's order, PAGE_SIZE at a time, so that no page sorts and skips the rows before
    it. Its number is carried in the links (the counts are known), for "page 3 of 40"."""

    object_list: list[Case]
    number: int
    paginator: _Paginator
    next_cursor: str | None  # the last row's position, when more rows follow
    previous_cursor: str | None  # the first row's, when rows come before

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return min(self.number + 1, self.paginator.num_pages)

    def previous_page_number(self) -> int:
        return max(self.number - 1, 1)


@dataclass
class QueuePage:
    queue: Queue
    counts: dict[str, int]
    page: KeysetPage
    out_of_range: bool


def queue_page(
    *,
    key: str,
    filters: Filters,
    sort: str = "oldest",
    page_number: str | int = 1,
    after: str = "",
    before: str = "",
) -> QueuePage:
    """One page of a queue (filtered and sorted), with every queue's count under the filters.

    The Next and Previous links carry the cursor of the row they continue from (`after`,
    `before`); the first and last pages are read from either end of the order with no cursor.
    A page number past the end gives the last page, and says so.
    """
    now = timezone.now()
    cases = apply_filters(submitted_cases(), filters)
    counts = queue_counts(cases, now=now)
    order = SORTS[sort]
    rows = ranked(cases.filter(_queue_filters(now)[key])).order_by(*order)
    paginator = _Paginator(counts[key], max(1, math.ceil(counts[key] / PAGE_SIZE)))
    try:
        number = int(page_number)
    except (TypeError, ValueError):
        number = 1
    out_of_range = number > paginator.num_pages or number < 1
    number = min(max(number, 1), paginator.num_pages)
    if position := _position(after, order):
        # Nothing after that row any more: the last page.
        page = _page_after(rows, order, position, number, paginator) or _page_at(
            rows, order, paginator.num_pages, paginator
        )
    elif position := _position(before, order):
        # Less than a page before that row: the first page.
        page = _page_before(rows, order, position, number, paginator) or _page_at(
            rows, order, 1, paginator
        )
    else:
        page = _page_at(rows, order, number, paginator)
    today = timezone.localdate()
    for case in page.object_list:  # what the queue's rows show, read by its template
        case.queue_reason = _reason(QUEUES_BY_KEY[key], case)  # type: ignore[attr-defined]
        case.sla_due = case.step_due_on  # type: ignore[attr-defined]
        case.sla_overdue = case.step_due_on is not None and case.step_due_on < today  # type: ignore[attr-defined]
    return QueuePage(QUEUES_BY_KEY[key], counts, page, out_of_range)


def _fields(order) -> list[tuple[str, bool]]:
    """(field, descending) for each key of an order."""
    return [(key.lstrip("-"), key.startswith("-")) for key in order]


def _cursor(case: Case, order) -> str:
    values = []
    for name, __ in _fields(order):
        value = getattr(case, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# The type each sort key's value has in a cursor (a datetime travels as ISO text).
_CURSOR_TYPES = {"submitted_at": str, "id": int, "urgency_rank": int, "reference": str}


def _position(cursor: str, order) -> list | None:
    """The sort values a cursor holds, or None for anything else (a hand-edited link starts
    over at the page its number names)."""
    if not cursor:
        return None
    try:
        values = json.loads(urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        names = [name for name, _ in _fields(order)]
        if not isinstance(values, list) or len(values) != len(names):
            return None
        if not all(type(v) is _CURSOR_TYPES[n] for n, v in zip(names, values, strict=True)):
            return None
        return [
            datetime.fromisoformat(value) if name == "submitted_at" else value
            for name, value in zip(names, values, strict=True)
        ]
    except ValueError:  # not base64, not JSON, not a date
        return None


def _beyond(order, values, *, backwards: bool = False) -> Q:
    """The rows after `values` in `order` (before them, `backwards`): a row comparison spelt
    out, (a > x) or (a = x and b > y) or ..."""
    fields = _fields(order)
    beyond = Q()
    for i, (name, descending) in enumerate(fields):
        lookup = "lt" if descending != backwards else "gt"
        equal = {fields[j][0]: values[j] for j in range(i)}
        beyond |= Q(**equal, **{f"{name}__{lookup}": values[i]})  # Q() | q is q
    return beyond


def _reverse(order) -> list[str]:
    return [key[1:] if key.startswith("-") else f"-{key}" for key in order]


def _page_at(rows, order, number: int, paginator: _Paginator) -> KeysetPage:
    """The first page, the last (read from the end in reverse order: no OFFSET), or a page
    number typed by hand (read from the nearer end)."""
    size = PAGE_SIZE
    if paginator.count == 0:  # nothing to read (the count is the page's own)
        found = []
    elif number == paginator.num_pages and number > 1:
        last = paginator.count - (number - 1) * size
        found = _read(rows.order_by(*_reverse(order))[:last], order)
    else:
        start = (number - 1) * size
        if number <= (paginator.num_pages + 1) // 2:
            found = _read(rows[start : start + size], order)
        else:
            from_end = paginator.count - min(start + size, paginator.count)
            found = _read(rows.order_by(*_reverse(order))[from_end : from_end + size], order)
    return _keyset_page(found, order, number, paginator, more_before=number > 1)


def _page_after(rows, order, position, number: int, paginator: _Paginator) -> KeysetPage | None:
    found = _read(rows.filter(_beyond(order, position))[: PAGE_SIZE + 1], order)
    if not found:
        return None  # nothing after it any more: the page its number names
    more = len(found) > PAGE_SIZE
    number = max(number, 2)
    page = _keyset_page(found[:PAGE_SIZE], order, number, paginator, more_before=True)
    page.next_cursor = page.next_cursor if more else None
    return page


def _page_before(rows, order, position, number: int, paginator: _Paginator) -> KeysetPage | None:
    before = rows.filter(_beyond(order, position, backwards=True)).order_by(*_reverse(order))
    found = _read(before[: PAGE_SIZE + 1], order)  # the nearest before it, in the queue's order
    if len(found) <= PAGE_SIZE:
        return None  # the start of the queue: the first page
    number = max(min(number, paginator.num_pages - 1), 2)
    return _keyset_page(found[1:], order, number, paginator, more_before=True)


def _keyset_page(
    found: list[Case], order, number: int, paginator: _Paginator, *, more_before: bool
) -> KeysetPage:
    last_page = number >= paginator.num_pages
    return KeysetPage(
        found,
        number,
        paginator,
        next_cursor=_cursor(found[-1], order) if found and not last_page else None,
        previous_cursor=_cursor(found[0], order) if found and more_before else None,
    )


def _reason(queue: Queue, case: Case) -> str:
    if queue.key == "new":
        return (
            gettext("Submitted, not yet triaged")
            if case.status == Status.SUBMITTED
            else gettext("In triage")
        )
    if queue.key == "offers_expiring" and (
        respond_by := case_page.annotated(case, "offer_respond_by")  # this queue's annotation
    ):
        when = timezone.localtime(respond_by)
        return gettext("%(reason)s: by %(when)s") % {
            "reason": queue.reason,
            "when": dateformat.format(when, "d M Y, H:i"),
        }
    if queue.key == "coverage" and case.insurance_payer:
        return gettext("%(reason)s (%(payer)s)") % {
            "reason": queue.reason,
            "payer": case.insurance_payer,
        }
    return str(queue.reason)
