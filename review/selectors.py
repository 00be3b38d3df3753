"""Reading the review: the opinion, its reports (and which of them each person sees), the
questions asked of the patient, follow-up questions, and delivered cases and opinions."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from cases import permissions
from cases.models import Case, CaseEvent, Status
from cases.selectors import cases_visible_to, delivered_at, one_case_of, reached

from . import translations
from .models import FollowUpQuestion, InformationRequest, Opinion, Report, ReportShare


def cases_with_opinions_visible_to(user) -> QuerySet[Case]:
    """The cases `user` may open (cases.selectors.cases_visible_to), each read with its opinion
    (`opinion_for` then costs no query): the workspace shows the opinion it edits."""
    return cases_visible_to(user).select_related("opinion__author__user")


# The case `reference` with its opinion, if `user` may open it (else Case.DoesNotExist).
case_with_opinion = one_case_of(cases_with_opinions_visible_to)


def opinion_for(case: Case) -> Opinion | None:
    """The case's opinion (none before the specialist starts one); read with the case already
    when it came from `case_page_cases`."""
    if Case.opinion.is_cached(case):
        return getattr(case, "opinion", None)
    return Opinion.objects.filter(case=case).select_related("author__user").first()


def latest_report_for(case: Case, opinion: Opinion | None = None) -> Report | None:
    """The report of the opinion's current revision, if it has been rendered (`opinion`: the
    case's, when the caller has read it already)."""
    opinion = opinion or opinion_for(case)
    if opinion is None:
        return None
    return Report.objects.filter(opinion=opinion, opinion_revision=opinion.revision).first()


def reports_for(case: Case) -> QuerySet[Report]:
    """Every report of the case, newest first, returned versions too (staff only)."""
    return Report.objects.filter(case=case)


def delivered_reports_for(case: Case) -> QuerySet[Report]:
    """The reports of the delivered opinion, newest (the current one) first: the delivered
    revision and the versions its addenda added. Versions the quality check returned are not
    among them (a returned opinion is resubmitted as a new revision before it is delivered), and
    nothing is delivered before the case is."""
    if case.status not in (Status.DELIVERED, Status.CLOSED):
        return Report.objects.none()
    opinion = opinion_for(case)
    if opinion is None:
        return Report.objects.none()
    return Report.objects.filter(
        translations.in_force_filter(opinion),  # a translated opinion: its attested translation
        case=case,
        opinion=opinion,
        opinion_revision=opinion.revision,
    )


def reports_visible_to(user, case: Case) -> QuerySet[Report]:
    """The report versions `user` may list and download (the caller has checked they may read
    the opinion at all): staff see every version, the patient's side the delivered ones."""
    if permissions.can_see_internal_opinion_versions(user, case):
        return reports_for(case)
    return delivered_reports_for(case)


def open_information_request(case: Case) -> InformationRequest | None:
    """The question the patient's side has yet to answer on `case`, if any."""
    return (
        case.information_requests.filter(answered_at__isnull=True).order_by("-created_at").first()
    )


def information_requests_for(case: Case, events=None):
    """Every question asked on `case`, oldest first, with who asked and who answered. With the
    case's timeline (`events`), none is read unless the case ever waited on an answer (asking
    is a transition to one of those states)."""
    if events is not None and not reached(events, Status.NEEDS_INFO, Status.INFO_REQUESTED):
        return []
    return case.information_requests.select_related("asked_by", "answered_by")


def follow_up_deadline(case: Case, events=None):
    """The time until which the patient may ask follow-up questions, or None before delivery."""
    delivered = delivered_at(case, events)
    return delivered + timedelta(days=settings.FOLLOW_UP_DAYS) if delivered else None


def delivered_cases_to_close(now) -> QuerySet[Case]:
    """Delivered cases whose follow-up window (FOLLOW_UP_DAYS after the last delivery) ended by
    `now` and whose follow-up questions are all answered: one query, whatever their number."""
    last_delivered = (
        CaseEvent.objects.filter(case=OuterRef("pk"), to_status=Status.DELIVERED)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    return (
        Case.objects.filter(status=Status.DELIVERED)
        .annotate(delivered=Subquery(last_delivered))
        .filter(delivered__lte=now - timedelta(days=settings.FOLLOW_UP_DAYS))
        .exclude(Exists(FollowUpQuestion.objects.filter(case=OuterRef("pk"), answered_at=None)))
        .order_by("pk")
    )


def follow_ups_for(case: Case, events=None):
    """The follow-up questions, oldest first. With the case's timeline (`events`), none is read
    before the opinion was delivered (they are asked after delivery)."""
    if events is not None and not reached(events, Status.DELIVERED):
        return []
    return case.follow_ups.select_related("asked_by", "answered_by")


def follow_ups_left(case: Case, follow_ups=None) -> int:
    """How many more the patient may ask (`follow_ups`: the list, when the caller has it)."""
    asked = len(follow_ups) if follow_ups is not None else case.follow_ups.count()
    return max(settings.FOLLOW_UP_MAX_QUESTIONS - asked, 0)


OPINION_READABLE_STATES = (Status.DELIVERED, Status.CLOSED)


def first_delivered_at_subquery() -> Subquery:
    """When each case (OuterRef "pk") was first delivered: the day the follow-up clock starts."""
    return Subquery(
        CaseEvent.objects.filter(case=OuterRef("pk"), to_status=Status.DELIVERED)
        .order_by("at", "id")
        .values("at")[:1]
    )


def delivered_cases(*, since=None) -> QuerySet[Case]:
    """Cases whose opinion was delivered (delivered or closed since) and still exists (an erased
    case has lost its opinion); with `since`, only those first delivered since then.

    The delivery is a semi-join the database hashes once over the delivery steps, not each
    case's first delivery looked up in turn (a third of the time at 100,000 cases without
    `since`, a ninth with it, and the history grows): first delivered since `since` is
    delivered since then and never before. Both read the deliveries' own partial index."""
    cases = Case.objects.filter(status__in=OPINION_READABLE_STATES).filter(
        Exists(Opinion.objects.filter(case=OuterRef("pk"), submitted_at__isnull=False))
    )
    delivered = CaseEvent.objects.filter(case=OuterRef("pk"), to_status=Status.DELIVERED)
    if since is None:
        return cases.filter(Exists(delivered))
    return cases.filter(Exists(delivered.filter(at__gte=since))).exclude(
        Exists(delivered.filter(at__lt=since))
    )


def by_first_delivery(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` annotated with `delivered_on`, their first delivery (those never delivered left
    out)."""
    return cases.annotate(delivered_on=first_delivered_at_subquery()).filter(
        delivered_on__isnull=False
    )


def delivered_opinions() -> QuerySet[Opinion]:
    """Every delivered opinion, one per case, with its case."""
    return Opinion.objects.filter(
        case__status__in=OPINION_READABLE_STATES, submitted_at__isnull=False
    ).select_related("case")


def case_page_section(user, case: Case, timeline) -> dict:
    """The case page's questions and answers, opinion, reports and follow-ups (cases.page)."""
    context = {
        "can_write_opinion": permissions.can_write_opinion(user, case),
        "information_requests": information_requests_for(case, timeline),
    }
    if permissions.can_read_opinion(user, case):
        opinion = opinion_for(case)
        follow_ups = list(follow_ups_for(case, timeline))
        context |= {
            "opinion": opinion,
            "report": latest_report_for(case, opinion) if opinion else None,
            "reports": reports_visible_to(user, case),
            "follow_ups": follow_ups,
            "follow_ups_left": follow_ups_left(case, follow_ups),
            "follow_up_deadline": follow_up_deadline(case, timeline),
            "can_ask_follow_up": permissions.can_ask_follow_up(user, case),
            "can_answer_follow_up": permissions.can_answer_follow_up(user, case),
            "can_share_report": permissions.can_share_report(user, case),
            "translation_step": translations.case_page_step(user, case, opinion),
        }
    return context


def report_share_by_id(share_id) -> ReportShare | None:
    return ReportShare.objects.filter(pk=share_id).select_related("case").first()
