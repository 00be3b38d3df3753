"""Reading cases, scoped to what each user may see."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from secondopinion.accounts.models import Role, User
from specialists import selectors as specialist_selectors

from . import access, permissions, service_levels
from .access import Capability, Relation
from .models import (
    Case,
    CaseEvent,
    Consent,
    ConsentText,
    CoverageCheck,
    FollowUpQuestion,
    InformationRequest,
    Message,
    MessageReadMarker,
    Opinion,
    Price,
    ProxyAuthority,
    Report,
    ReportLanguage,
    Status,
)
from .permissions import CONSENT_OPEN_STATES, RECORDS_OPEN_STATES


def verified_emails_of(user) -> QuerySet:
    """The user's verified email addresses, lower-cased, as a subquery."""
    return (
        EmailAddress.objects.filter(user=user, verified=True)
        .annotate(address=Lower("email"))
        .values("address")
    )


def cases_visible_to(user) -> QuerySet[Case]:
    """The cases whose pages `user` may open, in the phases the access policy (cases.access)
    gives them: an offered specialist's case is not among them (they see its offer summary)."""
    cases = Case.objects.select_related("owner", "specialist__user", "proxy_authority__caregiver")
    if not user.is_authenticated or not user.is_active:
        return cases.none()
    if user.role == Role.COORDINATOR:
        return _in_phases(cases, Relation.COORDINATOR)
    # Each kind of access is its own indexed subquery, joined by UNION: an OR across joined
    # tables would make PostgreSQL read every case.
    if user.role == Role.SPECIALIST:
        assigned = _in_phases(
            Case.objects.filter(specialist__user=user), Relation.ASSIGNED_SPECIALIST
        )
        if not access.phases(Capability.CASE, Relation.OFFERED_SPECIALIST):
            return cases.filter(pk__in=assigned.values("pk"))
        offered = _in_phases(
            Case.objects.filter(pk__in=specialist_selectors.case_ids_offered_to(user)),
            Relation.OFFERED_SPECIALIST,
        )
        return cases.filter(pk__in=assigned.values("pk").union(offered.values("pk")))
    # Their own cases (a caregiver's only while the authority stands), and those a caregiver
    # opened for them.
    opened = Case.objects.filter(
        Q(owner=user)
        & (Q(proxy_authority__isnull=True) | Q(proxy_authority__revoked_at__isnull=True))
    ).values("pk")
    opened_for_them = Case.objects.filter(
        proxy_authority__patient_email__in=verified_emails_of(user)
    ).values("pk")
    return _in_phases(cases.filter(pk__in=opened.union(opened_for_them)), Relation.PATIENT)


def _in_phases(cases: QuerySet[Case], relation: Relation) -> QuerySet[Case]:
    """`cases` narrowed to the phases in which `relation` may see a case."""
    allowed = access.phases(Capability.CASE, relation)
    if allowed == access.EVERY_PHASE:
        return cases
    return cases.filter(status__in=sorted(allowed))


def openable_case_references(user, references) -> set[str]:
    """Which of these case references `user` may still open (for their notifications' links)."""
    return set(
        cases_visible_to(user).filter(reference__in=references).values_list("reference", flat=True)
    )


def patient_account_of(authority: ProxyAuthority) -> User | None:
    """The account whose verified email is the one the caregiver gave, if there is one."""
    address = (
        EmailAddress.objects.filter(
            email__iexact=authority.patient_email, verified=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    return address.user if address else None


def patient_account_for(case: Case) -> User | None:
    """The patient's own account, when they have one: the owner, or the account of the patient
    a caregiver opened the case for."""
    if case.proxy_authority_id is None:
        return case.owner
    return patient_account_of(case.proxy_authority)


def acting_for(case: Case, user) -> User | None:
    """The patient `user` acts for on `case` when that is someone else (for the audit trail)."""
    if user is None or case.proxy_authority_id is None or case.owner_id != user.pk:
        return None
    return patient_account_for(case)


def is_patient_of(user, authority: ProxyAuthority) -> bool:
    return (
        user.is_authenticated
        and verified_emails_of(user).filter(address=authority.patient_email).exists()
    )


def authorities_of_caregiver(user) -> QuerySet[ProxyAuthority]:
    """The caregiver's authorities that still stand, newest first."""
    return ProxyAuthority.objects.filter(caregiver=user, revoked_at__isnull=True)


def authorities_stopped_for(user) -> QuerySet[ProxyAuthority]:
    """The caregiver's authorities that a patient stopped, most recent first, each with how many
    requests it had opened (those the caregiver can no longer see)."""
    return (
        ProxyAuthority.objects.filter(caregiver=user, revoked_at__isnull=False)
        .annotate(case_count=Count("cases"))
        .order_by("-revoked_at")
    )


def authorities_granted_by(user) -> QuerySet[ProxyAuthority]:
    """Standing authorities of caregivers acting for this patient (by verified email)."""
    if not user.is_authenticated:
        return ProxyAuthority.objects.none()
    return ProxyAuthority.objects.filter(
        patient_email__in=verified_emails_of(user), revoked_at__isnull=True
    ).select_related("caregiver")


def authorities_visible_to(user) -> QuerySet[ProxyAuthority]:
    """Authorities whose document the user may open: the caregiver's own, the patient's, and
    for coordinators those behind a submitted case."""
    if not user.is_authenticated or not user.is_active:
        return ProxyAuthority.objects.none()
    if user.role == Role.COORDINATOR:
        return ProxyAuthority.objects.filter(
            pk__in=Case.objects.exclude(status=Status.DRAFT).values("proxy_authority")
        )
    if user.role == Role.SPECIALIST:
        return ProxyAuthority.objects.none()
    return ProxyAuthority.objects.filter(
        Q(caregiver=user, revoked_at__isnull=True) | Q(patient_email__in=verified_emails_of(user))
    )


def current_consent_text() -> ConsentText | None:
    """The newest published consent version."""
    return ConsentText.objects.filter(published_at__lte=timezone.now()).order_by("-version").first()


def _current_consent_text_id() -> Subquery:
    return Subquery(
        ConsentText.objects.filter(published_at__lte=timezone.now())
        .order_by("-version")
        .values("pk")[:1]
    )


def consent_for(case: Case) -> Consent | None:
    """The case's newest signature that has not been withdrawn, of whatever version, with the
    id of today's consent text (`current_text_id`, for `is_current_consent`)."""
    return (
        Consent.objects.filter(case=case, withdrawn_at__isnull=True)
        .select_related("text", "signed_by")
        .annotate(current_text_id=_current_consent_text_id())
        .order_by("-text__version", "-signed_at")
        .first()
    )


def is_current_consent(consent: Consent | None) -> bool:
    """Whether `consent` (the case's newest, from `consent_for`) signs today's consent text."""
    if consent is None:
        return False
    if hasattr(consent, "current_text_id"):
        return consent.current_text_id == consent.text_id
    current = current_consent_text()
    return current is not None and consent.text_id == current.pk


def has_current_consent(case: Case) -> bool:
    current = current_consent_text()
    return (
        current is not None
        and Consent.objects.filter(case=case, text=current, withdrawn_at__isnull=True).exists()
    )


def price_list() -> QuerySet[Price]:
    return Price.objects.all()


def price_for(case: Case) -> Price | None:
    """The price the patient sees: frozen on the case once submitted, else today's list price."""
    if case.price_amount is not None:
        return Price(
            review_type=case.review_type, amount=case.price_amount, currency=case.price_currency
        )
    return Price.objects.filter(review_type=case.review_type).first()


def latest_coverage_check(case: Case) -> CoverageCheck | None:
    return CoverageCheck.objects.filter(case=case).select_related("checked_by").first()


def cases_for_dashboard(user) -> QuerySet[Case]:
    """The patient side's cases, newest first, with what the dashboard needs to say what waits
    on them."""
    from records import selectors as record_selectors  # records.selectors imports this module

    current = current_consent_text()
    return cases_visible_to(user).annotate(
        unread_messages=_unread_count(user),
        has_records=Exists(record_selectors.records_for_case(OuterRef("pk"))),
        has_current_consent=Exists(
            Consent.objects.filter(case=OuterRef("pk"), text=current, withdrawn_at__isnull=True)
        ),
        has_any_consent=Exists(
            Consent.objects.filter(case=OuterRef("pk"), withdrawn_at__isnull=True)
        ),
    )


def expected_steps(case: Case, events=None) -> list[service_levels.ExpectedStep]:
    """`events`: the case's timeline when the caller prefetched it (a list page), else read."""
    return service_levels.expected_steps(case, timeline_for(case) if events is None else events)


def case_page_cases(user) -> QuerySet[Case]:
    """The cases `user` may see, each with what its page would otherwise read one query at a
    time: the unread message count, and whether a language waiver or a records request exists
    (the page reads those only when there is one)."""
    from records import selectors as record_selectors  # records.selectors imports this module

    return (
        cases_visible_to(user)
        .select_related("referral", "opinion__author__user")
        .annotate(
            unread_messages=_unread_count(user),
            has_language_waiver=Exists(
                specialist_selectors.language_waivers().filter(case=OuterRef("pk"))
            ),
            has_records_requests=Exists(record_selectors.records_requests_for_case(OuterRef("pk"))),
        )
    )


def _reached(events, *states) -> bool:
    return any(event.to_status in states for event in events)


def timeline_for(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("actor")


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
    return Report.objects.filter(case=case, opinion=opinion, opinion_revision=opinion.revision)


def reports_visible_to(user, case: Case) -> QuerySet[Report]:
    """The report versions `user` may list and download (the caller has checked they may read
    the opinion at all): staff see every version, the patient's side the delivered ones."""
    if permissions.can_see_internal_opinion_versions(user, case):
        return reports_for(case)
    return delivered_reports_for(case)


def report_languages() -> list[tuple[str, str]]:
    """The languages a report can be written in now, as (code, name) choices: those that
    verified specialists write reports in (English while no specialist is registered yet)."""
    labels = dict(ReportLanguage.choices)
    written = {code for code, _ in specialist_selectors.report_languages()}
    offered = [(code, label) for code, label in ReportLanguage.choices if code in written]
    return offered or [(ReportLanguage.ENGLISH, labels[ReportLanguage.ENGLISH])]


def report_language_offered(case: Case) -> bool:
    """Whether the language the case's report was asked in is one a specialist writes now."""
    return not case.report_language or case.report_language in dict(report_languages())


def waiting_on_patient(case: Case) -> list[tuple[str, str]]:
    """What the patient's side has to do on a case from `cases_for_dashboard`: (text, link)."""
    from django.urls import reverse

    def to(name: str) -> str:
        return reverse(name, args=[case.reference])

    waiting = []
    if case.status == Status.DRAFT:
        waiting.append(("Finish your request and submit it", to("cases:intake-resume")))
    elif case.status == Status.NEEDS_INFO:
        waiting.append(("Answer the coordinator's question", to("cases:information-answer")))
    elif case.status == Status.INFO_REQUESTED:
        waiting.append(("Answer the specialist's question", to("cases:information-answer")))
    if not case.has_records and case.status in RECORDS_OPEN_STATES:
        waiting.append(("Upload a medical record", to("cases:case-detail")))
    if case.has_any_consent and not case.has_current_consent and case.status in CONSENT_OPEN_STATES:
        waiting.append(("Read and sign the updated consent", to("cases:case-consent")))
    return waiting


def open_information_request(case: Case) -> InformationRequest | None:
    """The question the patient's side has yet to answer on `case`, if any."""
    return (
        case.information_requests.filter(answered_at__isnull=True).order_by("-created_at").first()
    )


def information_requests_for(case: Case, events=None):
    """Every question asked on `case`, oldest first, with who asked and who answered. With the
    case's timeline (`events`), none is read unless the case ever waited on an answer (asking
    is a transition to one of those states)."""
    if events is not None and not _reached(events, Status.NEEDS_INFO, Status.INFO_REQUESTED):
        return []
    return case.information_requests.select_related("asked_by", "answered_by")


def delivered_at(case: Case, events=None):
    """When the opinion was (last) delivered to the patient, or None (`events`: the case's
    timeline, when the caller has read it)."""
    if events is not None:
        delivered = [e for e in events if e.to_status == Status.DELIVERED]
        return max(delivered, key=lambda e: (e.at, e.pk)).at if delivered else None
    event = case.events.filter(to_status=Status.DELIVERED).order_by("-at", "-id").first()
    return event.at if event else None


def follow_up_deadline(case: Case, events=None):
    """The time until which the patient may ask follow-up questions, or None before delivery."""
    delivered = delivered_at(case, events)
    return delivered + timezone.timedelta(days=settings.FOLLOW_UP_DAYS) if delivered else None


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
        .filter(delivered__lte=now - timezone.timedelta(days=settings.FOLLOW_UP_DAYS))
        .exclude(Exists(FollowUpQuestion.objects.filter(case=OuterRef("pk"), answered_at=None)))
        .order_by("pk")
    )


def follow_ups_for(case: Case, events=None):
    """The follow-up questions, oldest first. With the case's timeline (`events`), none is read
    before the opinion was delivered (they are asked after delivery)."""
    if events is not None and not _reached(events, Status.DELIVERED):
        return []
    return case.follow_ups.select_related("asked_by", "answered_by")


def follow_ups_left(case: Case, follow_ups=None) -> int:
    """How many more the patient may ask (`follow_ups`: the list, when the caller has it)."""
    asked = len(follow_ups) if follow_ups is not None else case.follow_ups.count()
    return max(settings.FOLLOW_UP_MAX_QUESTIONS - asked, 0)


def messages_for(case: Case):
    return case.messages.select_related("author").prefetch_related("attachments")


def _unread(case: Case, user):
    """Messages by others after the user last read the case's messages (all, if never): one
    query, the read marker a subquery."""
    read_up_to = MessageReadMarker.objects.filter(case=OuterRef("case"), user=user).values(
        "read_up_to"
    )[:1]
    return (
        case.messages.exclude(author=user)
        .filter(Q(created_at__gt=Subquery(read_up_to)) | ~Exists(read_up_to))
        .order_by()
    )


def _unread_count(user) -> Coalesce:
    """As `unread_message_count`, for every case of a list in one query: a subquery per row."""
    read_up_to = MessageReadMarker.objects.filter(case=OuterRef("case"), user=user).values(
        "read_up_to"
    )[:1]
    unread = (
        Message.objects.filter(case=OuterRef("pk"))
        .exclude(author=user)
        .filter(Q(created_at__gt=Subquery(read_up_to)) | ~Exists(read_up_to))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def unread_message_count(case: Case, user) -> int:
    return _unread(case, user).count()


def unread_message_ids(case: Case, user) -> set[int]:
    return set(_unread(case, user).values_list("pk", flat=True))


# After the opinion (read by the outcomes app) ---------------------------------------------------

OPINION_READABLE_STATES = (Status.DELIVERED, Status.CLOSED)


def first_delivered_at_subquery() -> Subquery:
    """When each case (OuterRef "pk") was first delivered: the day the follow-up clock starts."""
    return Subquery(
        CaseEvent.objects.filter(case=OuterRef("pk"), to_status=Status.DELIVERED)
        .order_by("at", "id")
        .values("at")[:1]
    )


def delivered_cases() -> QuerySet[Case]:
    """Cases whose opinion was delivered (delivered or closed since) and still exists (an erased
    case has lost its opinion), annotated with `delivered_on`, their first delivery."""
    return (
        Case.objects.filter(status__in=OPINION_READABLE_STATES)
        .filter(Exists(Opinion.objects.filter(case=OuterRef("pk"), submitted_at__isnull=False)))
        .annotate(delivered_on=first_delivered_at_subquery())
        .filter(delivered_on__isnull=False)
    )


def delivered_opinions() -> QuerySet[Opinion]:
    """Every delivered opinion, one per case, with its case."""
    return Opinion.objects.filter(
        case__status__in=OPINION_READABLE_STATES, submitted_at__isnull=False
    ).select_related("case")
