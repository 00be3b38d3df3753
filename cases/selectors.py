"""Reading cases, scoped to what each user may see."""

from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from secondopinion.accounts.models import Role, User
from secondopinion.prepared import Prepared

from . import access, hooks, page, service_levels
from .access import CONSENT_OPEN_STATES, RECORDS_OPEN_STATES, Capability, Relation
from .models import (
    Case,
    CaseEvent,
    Consent,
    ConsentText,
    CoverageCheck,
    Price,
    ProxyAuthority,
    ReportLanguage,
    Status,
)


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
            Case.objects.filter(pk__in=hooks.case_ids_offered_to(user)),
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
    if case.proxy_authority is None:
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
    current = current_consent_text()
    return _dashboard_cases(user, current.pk if current else None)


def _dashboard_cases(user, current_text_id: int | None) -> QuerySet[Case]:
    return page.for_dashboard(cases_visible_to(user), user).annotate(
        has_current_consent=Exists(
            Consent.objects.filter(
                case=OuterRef("pk"), text_id=current_text_id, withdrawn_at__isnull=True
            )
        ),
        has_any_consent=Exists(
            Consent.objects.filter(case=OuterRef("pk"), withdrawn_at__isnull=True)
        ),
    )


def _newest_for_dashboard(shape: tuple, *, user_id: int) -> QuerySet[Case]:
    role, current_text_id, rows = shape
    return _dashboard_cases(User(pk=user_id, role=role), current_text_id)[:rows]


_NEWEST_FOR_DASHBOARD = Prepared(_newest_for_dashboard)


def newest_for_dashboard(user, rows: int) -> list[Case]:
    """The first `rows` of `cases_for_dashboard(user)`, its first page: the query is compiled
    once per role and consent version."""
    if not (user.is_authenticated and user.is_active):
        return []
    current = current_consent_text()
    shape = (user.role, current.pk if current else None, rows)
    return _NEWEST_FOR_DASHBOARD.run(shape, user_id=user.pk)


def expected_steps(case: Case, events=None) -> list[service_levels.ExpectedStep]:
    """`events`: the case's timeline when the caller prefetched it (a list page), else read."""
    return service_levels.expected_steps(case, timeline_for(case) if events is None else events)


def case_page_cases(user) -> QuerySet[Case]:
    """The cases `user` may see, each with what the apps' parts of its page would otherwise read
    one query at a time (see cases.page)."""
    return page.for_case_page(cases_visible_to(user), user)


def one_case_of(
    cases_for: Callable[[User], QuerySet[Case]],
) -> Callable[[User | AnonymousUser, str], Case]:
    """A reader of one case by reference from `cases_for(user)` (a queryset of the cases a user
    may see, such as `case_page_cases`), raising Case.DoesNotExist when it is not among them.
    Its query is compiled once per role: what those querysets read of a user is their id and
    their role (secondopinion.prepared checks that nothing else changes the SQL)."""
    prepared = Prepared(
        lambda role, *, user_id, reference: cases_for(User(pk=user_id, role=role)).filter(
            reference=reference
        )
    )

    def read(user: User | AnonymousUser, reference: str) -> Case:
        if isinstance(user, User) and user.is_active:
            for case in prepared.run(user.role, user_id=user.pk, reference=reference):
                return case
        raise Case.DoesNotExist("No such case for this user.")

    return read


# The case `reference` as `case_page_cases(user)` gives it: the richest query a page runs.
case_for_page = one_case_of(case_page_cases)
# The case `reference` if `user` may see it (`cases_visible_to`): most pages about one case.
case_visible_to = one_case_of(cases_visible_to)


def reached(events, *states) -> bool:
    return any(event.to_status in states for event in events)


def timeline_for(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("actor")


def report_languages() -> list[tuple[str, str]]:
    """The languages a report can be written in now, as (code, name) choices: those that
    verified specialists write reports in (English while no specialist is registered yet)."""
    labels = dict(ReportLanguage.choices)
    written = {code for code, _ in hooks.report_languages()}
    offered = [(code, str(label)) for code, label in ReportLanguage.choices if code in written]
    return offered or [(ReportLanguage.ENGLISH, str(labels[ReportLanguage.ENGLISH]))]


def report_language_offered(case: Case) -> bool:
    """Whether the language the case's report was asked in is one a specialist writes now."""
    return not case.report_language or case.report_language in dict(report_languages())


def waiting_on_patient(case: Case) -> list[tuple[str, str]]:
    """What the patient's side has to do on a case from `cases_for_dashboard`: (text, link)."""

    def to(name: str) -> str:
        return reverse(name, args=[case.reference])

    waiting = []
    if case.status == Status.DRAFT:
        waiting.append((gettext("Finish your request and submit it"), to("cases:intake-resume")))
    elif case.status == Status.NEEDS_INFO:
        waiting.append(
            (gettext("Answer the coordinator's question"), to("review:information-answer"))
        )
    elif case.status == Status.INFO_REQUESTED:
        waiting.append(
            (gettext("Answer the specialist's question"), to("review:information-answer"))
        )
    if not page.annotated(case, "has_records") and case.status in RECORDS_OPEN_STATES:
        waiting.append((gettext("Upload a medical record"), to("cases:case-detail")))
    any_consent = page.annotated(case, "has_any_consent")
    current_consent = page.annotated(case, "has_current_consent")
    if any_consent and not current_consent and case.status in CONSENT_OPEN_STATES:
        waiting.append((gettext("Read and sign the updated consent"), to("cases:case-consent")))
    return waiting


def delivered_at(case: Case, events=None):
    """When the opinion was (last) delivered to the patient, or None (`events`: the case's
    timeline, when the caller has read it)."""
    if events is not None:
        delivered = [e for e in events if e.to_status == Status.DELIVERED]
        return max(delivered, key=lambda e: (e.at, e.pk)).at if delivered else None
    event = case.events.filter(to_status=Status.DELIVERED).order_by("-at", "-id").first()
    return event.at if event else None


# After the opinion (read by the outcomes app) ---------------------------------------------------
