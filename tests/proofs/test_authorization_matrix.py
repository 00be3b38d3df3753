"""The authorization matrix: every URL of our own code × every role × GET and POST.

The URL list comes from the URLconf, so a new view without a row here fails
`test_every_url_of_ours_has_a_row_in_the_matrix`. Results:
OK: allowed (200, or a redirect that is not to the sign-in page); LOGIN: sent to sign in;
404: not found (the object is not theirs to know about); 405: method not allowed.

Three more roles get what another role gets unless the row names them: the proxy with authority
(a caregiver who opened a case for the owner under a recorded authority, tried on a case of their
own in the row's state) gets what the owner gets; a former specialist (offered the case once, who
declined) what a specialist never involved gets; a superuser what a coordinator gets. A superuser
who has not set up two-factor sign-in is sent to set it up (MFA) wherever they go.

The case's phase: every case page is then tried by every role in each phase where someone's
access changes, walking real cases through the state machine, with the expectations read from
the declared access policy (cases/access.py) that the code itself reads; the offered specialist
(before accepting) is tried on every URL of an offered case; the holders of each kind of link
(provider, report share, referral source, invitation) in each state their link can be in; and a
foreign id on every URL that takes one. The run ends with "authorization matrix: N checks".
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases import access, state_machine
from cases import services as case_services
from cases.access import Capability, Relation
from cases.models import Case, Status
from records import uploads
from review import services as review_services
from secondopinion.accounts.models import Role, User
from specialists import offers
from tests.factories import UserFactory, provider_token, proxy_authority, records_request
from tests.project import OUR_PACKAGES

OK, LOGIN, NOT_FOUND, NOT_ALLOWED = "ok", "login", 404, 405
MFA = "sent to set up two-factor sign-in"
SUMMARY = "the offer's summary"
GONE = 410  # a link that no longer works says why
FORBIDDEN = 403  # an invitation followed by another account: told it is not theirs
# Every comparison of an answer with its expectation, reported at the end of the run.
CHECKS = {"count": 0}
ROLES = (
    "anonymous",
    "owner",
    "other_patient",
    "caregiver_without_authority",
    "assigned_specialist",
    "unassigned_specialist",
    "coordinator",
)
SIGNED_IN = ROLES[1:]
PROXY = "proxy_with_authority"
FORMER = "former_specialist"
SUPERUSER = "superuser"
NO_MFA = "superuser_without_mfa"
# Each extra role gets what this role gets unless the row names it.
LIKE = {PROXY: "owner", FORMER: "unassigned_specialist", SUPERUSER: "coordinator"}
PATIENT_SIDE = ("owner", "other_patient", "caregiver_without_authority")


def only(*allowed: str, otherwise=NOT_FOUND) -> dict[str, object]:
    """Signed-in `allowed` roles get OK, other signed-in roles `otherwise`, anonymous LOGIN."""
    return {"anonymous": LOGIN} | {role: OK if role in allowed else otherwise for role in SIGNED_IN}


EVERYONE = only(*SIGNED_IN)
NO_POST = only(otherwise=NOT_ALLOWED)
NO_GET = NO_POST


@dataclass
class Row:
    state: str | None  # the state of the owner's case the URL is tried on
    get: dict[str, object]
    post: dict[str, object] = field(default_factory=lambda: NO_POST)


CASE_READERS = ("owner", "assigned_specialist", "coordinator")
# The patient (the owner) and their caregiver may read a proxy's authority document; the
# coordinators too, once the case is submitted.
AUTHORITY_READERS = ("owner", "coordinator")
SPECIALISTS = ("assigned_specialist", "unassigned_specialist")

MATRIX: dict[str, Row] = {
    "home": Row(None, {role: OK for role in ROLES}, {role: NOT_ALLOWED for role in ROLES}),
    "healthz": Row(None, {role: OK for role in ROLES}, {role: NOT_ALLOWED for role in ROLES}),
    "readyz": Row(None, {role: OK for role in ROLES}, {role: NOT_ALLOWED for role in ROLES}),
    "cases:dashboard": Row(None, EVERYONE),
    "coordinator:queue": Row(None, only("coordinator")),
    "coordinator:queue-bulk": Row(None, NO_GET, only("coordinator")),
    "coordinator:search": Row(None, only("coordinator")),
    "coordinator:metrics": Row(None, only("coordinator")),
    "coordinator:metrics-export": Row(None, only("coordinator")),
    "audit:event-list": Row(None, only("coordinator")),
    "audit:event-export": Row(None, only("coordinator")),
    "data_rights:access-history": Row(Status.IN_REVIEW, only("owner")),
    "data_rights:case-export": Row(Status.DELIVERED, only("owner")),
    "coordinator:case-fhir-export": Row(Status.DELIVERED, only("coordinator")),
    "data_rights:deletion-request": Row(Status.DELIVERED, only("owner"), only("owner")),
    "coordinator:deletion-requests": Row(None, only("coordinator")),
    "coordinator:specialty-fields": Row(None, only("coordinator"), only("coordinator")),
    "coordinator:specialty-field-remove": Row(None, NO_GET, only("coordinator")),
    "coordinator:deletion-decide": Row(Status.DELIVERED, NO_GET, only("coordinator")),
    "cases:case-create": Row(None, only(*PATIENT_SIDE), only(*PATIENT_SIDE)),
    "cases:case-detail": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "cases:authority-new": Row(None, only(*PATIENT_SIDE), only(*PATIENT_SIDE)),
    "cases:intake-step": Row(Status.DRAFT, only("owner"), only("owner")),
    "cases:intake-authority": Row(Status.DRAFT, only("owner"), only("owner")),
    "cases:intake-check": Row(Status.DRAFT, only("owner")),
    "cases:intake-resume": Row(Status.DRAFT, only("owner")),
    "cases:case-consent": Row(Status.DRAFT, only("owner"), only("owner")),
    "cases:consent-withdraw": Row(Status.SUBMITTED, only("owner"), only("owner")),
    "cases:coverage-check": Row(Status.TRIAGE, only("coordinator"), only("coordinator")),
    # Tried on the proxy's case: the owner is its patient.
    "cases:authority-document": Row(Status.SUBMITTED, only(*AUTHORITY_READERS) | {PROXY: OK}),
    "cases:authority-revoke": Row(
        Status.DRAFT, only("owner") | {PROXY: NOT_FOUND}, only("owner") | {PROXY: NOT_FOUND}
    ),
    "cases:case-submit": Row(Status.DRAFT, NO_GET, only("owner")),
    "cases:case-withdraw": Row(Status.SUBMITTED, only("owner"), only("owner")),
    "cases:case-start-triage": Row(Status.SUBMITTED, NO_GET, only("coordinator")),
    "cases:case-send-to-matching": Row(Status.TRIAGE, NO_GET, only("coordinator")),
    "cases:case-cancel": Row(Status.SUBMITTED, only("coordinator"), only("coordinator")),
    # Coordinators ask during triage; on a case in review the service refuses them (shown).
    "review:information-request": Row(
        Status.IN_REVIEW,
        only("assigned_specialist", "coordinator"),
        only("assigned_specialist", "coordinator"),
    ),
    "review:information-answer": Row(Status.INFO_REQUESTED, only("owner"), only("owner")),
    "review:opinion-edit": Row(
        Status.IN_REVIEW, only("assigned_specialist"), only("assigned_specialist")
    ),
    "review:workspace": Row(
        Status.IN_REVIEW, only("assigned_specialist"), only("assigned_specialist")
    ),
    # The reviewer's autosave reads JSON: the matrix's empty POST is a bad request (400).
    "review:opinion-autosave": Row(
        Status.IN_REVIEW, NO_GET, only("assigned_specialist") | {"assigned_specialist": 400}
    ),
    "review:opinion-return": Row(
        Status.OPINION_SUBMITTED, only("coordinator"), only("coordinator")
    ),
    "review:opinion-deliver": Row(Status.OPINION_SUBMITTED, NO_GET, only("coordinator")),
    "review:report-download": Row(Status.DELIVERED, only(*CASE_READERS)),
    "messaging:case-messages": Row(Status.IN_REVIEW, only(*CASE_READERS), only(*CASE_READERS)),
    "review:follow-up-ask": Row(Status.DELIVERED, only("owner"), only("owner")),
    "review:follow-up-answer": Row(
        Status.DELIVERED, only("assigned_specialist"), only("assigned_specialist")
    ),
    "review:report-share-create": Row(Status.DELIVERED, only("owner"), only("owner")),
    # The patient's doctor has no account: the link is the key (a POST downloads it once).
    "review:report-share": Row(
        Status.DELIVERED, {role: OK for role in ROLES}, {role: OK for role in ROLES}
    ),
    "records:record-upload": Row(Status.DRAFT, NO_GET, only("owner")),
    "records:record-download": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "records:record-preview": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "records:record-view": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "records:record-inline": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "records:record-describe": Row(Status.IN_REVIEW, only("owner"), only("owner")),
    "records:case-records": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    # tus endpoints: a bare POST is no tus request (412 for the owner, who may upload); an
    # upload is continued with HEAD/PATCH/DELETE only, by whoever started it.
    "records:tus-create": Row(Status.DRAFT, NO_GET, only("owner") | {"owner": 412}),
    "records:tus-upload": Row(
        Status.DRAFT, {role: NOT_ALLOWED for role in ROLES}, {role: NOT_ALLOWED for role in ROLES}
    ),
    "records:request-create": Row(Status.DRAFT, only("owner"), only("owner")),
    "records:request-resend": Row(Status.DRAFT, NO_GET, only("owner")),
    "records:request-list": Row(None, only("coordinator")),
    # A provider has no account: the emailed link is the key, so anyone holding it gets in; the
    # pages after it belong to the browser session that opened the link (404 for any other).
    "records:provider-link": Row(
        Status.SUBMITTED, {role: OK for role in ROLES}, {role: NOT_ALLOWED for role in ROLES}
    ),
    "records:provider-upload": Row(
        None, {role: NOT_FOUND for role in ROLES}, {role: NOT_FOUND for role in ROLES}
    ),
    "records:provider-tus-create": Row(
        None, {role: NOT_ALLOWED for role in ROLES}, {role: NOT_FOUND for role in ROLES}
    ),
    "records:provider-finish": Row(
        None, {role: NOT_ALLOWED for role in ROLES}, {role: NOT_FOUND for role in ROLES}
    ),
    "specialists:home": Row(None, only(*SPECIALISTS)),
    "specialists:profile": Row(None, only(*SPECIALISTS)),
    "specialists:profile-edit": Row(None, only(*SPECIALISTS), only(*SPECIALISTS)),
    "specialists:licence-add": Row(None, only(*SPECIALISTS), only(*SPECIALISTS)),
    "specialists:certification-add": Row(None, only(*SPECIALISTS), only(*SPECIALISTS)),
    "specialists:affiliation-add": Row(None, only(*SPECIALISTS), only(*SPECIALISTS)),
    "specialists:relationship-add": Row(None, only(*SPECIALISTS), only(*SPECIALISTS)),
    "specialists:unavailability-add": Row(None, only(*SPECIALISTS), only(*SPECIALISTS)),
    "specialists:conflict-declare": Row(None, only(*SPECIALISTS), only(*SPECIALISTS)),
    "specialists:profile-item-remove": Row(None, NO_GET, only(*SPECIALISTS)),
    "specialists:credentials": Row(None, only("coordinator"), only("coordinator")),
    "specialists:match": Row(Status.MATCHING, only("coordinator"), only("coordinator")),
    "specialists:case-conflict-add": Row(Status.MATCHING, only("coordinator"), only("coordinator")),
    "specialists:match-language-waive": Row(
        Status.MATCHING, only("coordinator"), only("coordinator")
    ),
    # The specialist who declined still sees their own offer's answer ("You declined this case
    # on …", nothing of the case), and a POST is refused with it.
    "specialists:offer-accept": Row(
        Status.OFFERED,
        only("assigned_specialist") | {FORMER: OK},
        only("assigned_specialist") | {FORMER: OK},
    ),
    "specialists:offer-decline": Row(
        Status.OFFERED,
        only("assigned_specialist") | {FORMER: OK},
        only("assigned_specialist") | {FORMER: OK},
    ),
    "notifications:list": Row(None, EVERYONE),
    "notifications:mark-all-read": Row(None, NO_GET, EVERYONE),
    "notifications:preferences": Row(None, EVERYONE, EVERYONE),
    # Staff without two-factor sign-in may open their Account page: it leads to setting it up.
    "accounts:account": Row(None, EVERYONE | {NO_MFA: OK}, EVERYONE | {NO_MFA: OK}),
    "referrals:source-list": Row(None, only("coordinator"), only("coordinator")),
    "referrals:source-revoke": Row(None, NO_GET, only("coordinator")),
    "referrals:referral-enter": Row(None, only("coordinator"), only("coordinator")),
    # A referrer has no account: the source's link is the key (an empty POST shows the form).
    "referrals:refer": Row(None, {role: OK for role in ROLES}, {role: OK for role in ROLES}),
    # The invited patient (the owner's address) may not have an account yet: the page says to
    # sign up or sign in; only the account with the invited, verified address accepts (a POST
    # opens their pre-filled draft); other patients are told it was sent to someone else (403).
    "referrals:invitation": Row(
        None,
        {role: OK for role in ROLES}
        | {"other_patient": 403, "caregiver_without_authority": 403, PROXY: 403},
        only("owner") | {"other_patient": 403, "caregiver_without_authority": 403, PROXY: 403},
    ),
    # Tried on a case that came from a referral.
    "referrals:case-referral": Row(Status.DELIVERED, only("owner"), only("owner")),
    "referrals:report-share": Row(Status.DELIVERED, NO_GET, only("owner")),
    # The admin's sign-in only sends on: to the account sign-in, or for a superuser whose session
    # has not proved a second factor, to the TOTP step; no one else learns the admin is there.
    "admin:login": Row(
        None,
        only(otherwise=NOT_FOUND) | {SUPERUSER: OK},
        only(otherwise=NOT_FOUND) | {SUPERUSER: OK},
    ),
    # After the opinion: the patient's decision and check-ins are private to the patient's side
    # and the coordinators; never the specialist.
    "outcomes:after": Row(Status.DELIVERED, only("owner", "coordinator")),
    "outcomes:question-add": Row(Status.DELIVERED, NO_GET, only("owner")),
    "outcomes:follow-up-choice": Row(Status.DELIVERED, NO_GET, only("owner")),
    "outcomes:decision": Row(Status.DELIVERED, only("owner"), only("owner")),
    # Tried on a case whose 30-day check-in is open.
    "outcomes:check-in": Row(Status.DELIVERED, only("owner"), only("owner")),
    "outcomes:metrics-export": Row(None, only("coordinator")),
}


def our_urls() -> dict[str, set[str]]:
    """Every URL pattern whose view is this project's code (not allauth's or admin's): its name
    and the names of its arguments."""
    names: dict[str, set[str]] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.callback.__module__.startswith(
                OUR_PACKAGES
            ):
                names[f"{namespace}{pattern.name}"] = set(pattern.pattern.converters)

    walk(get_resolver().url_patterns, "")
    return names


URLS = our_urls()


def _pk_for(name: str, case: Case) -> int:
    """The id a URL's `pk` names: a records request, or the case's first record (read, so that
    it has a preview)."""
    from records import services as record_services

    if name.startswith("records:request-"):
        return records_request(case).pk
    if name == "coordinator:specialty-field-remove":
        return _specialty_field_id()
    record = case.records.first()
    if name == "records:record-preview":
        record_services.read_record(record_id=record.pk)
    return record.pk


def _specialty_field_id() -> int:
    from review.models import SpecialtyField
    from specialists.models import Specialty

    specialty, _ = Specialty.objects.get_or_create(name="Medical oncology")
    return SpecialtyField.objects.create(specialty=specialty, label="TNM stage").pk


def _upload_id_for(case: Case) -> str:

    return uploads.create_upload(case=case, by=case.owner, length=10, name="a.pdf").pk


def _provider_token_for(case: Case) -> str:
    return provider_token(records_request(case))


def _follow_up_id_for(case: Case) -> int:

    return review_services.ask_follow_up(case=case, by=case.owner, question="Is it safe to fly?").pk


def _referral_token_for(name: str) -> str:
    from referrals import services as referrals

    coordinator = UserFactory(role=Role.COORDINATOR)
    source = referrals.create_referral_source(
        by=coordinator, name="Hillside Clinic", contact_email="referrals@hillside.example"
    )
    if name == "referrals:refer":
        path = referrals.source_path(source)
    else:
        path = referrals.invitation_path(
            referrals.enter_referral(
                by=coordinator,
                referrer_name="Dr Ada Brown",
                referrer_email="ada.brown@hillside.example",
                patient_name="Alice Patient",
                patient_email="alice@example.org",  # the owner's address
                diagnosis="Stage II ductal carcinoma",
                treating_doctor="Dr Ada Brown",
            )
        )
    return path.rstrip("/").rsplit("/", 1)[-1]


def _referred_reference(name: str, case: Case) -> str:
    """The case's reference; for a referrals page, the case is first linked to a referral."""
    if name.startswith("referrals:"):
        from referrals.models import Referral

        Referral.objects.get_or_create(
            case=case,
            defaults={
                "referrer_name": "Dr Ada Brown",
                "referrer_email": "ada.brown@hillside.example",
                "patient_name": case.patient_name,
                "patient_email": case.owner.email,
                "diagnosis": case.diagnosis,
                "treating_doctor": case.treating_doctor,
                "nonce": f"{case.pk:064d}",
                "token_hash": f"{case.pk:064d}",
                "expires_at": case.created_at,
            },
        )
    return case.reference


def _source_id_for() -> int:
    from referrals import services as referrals

    return referrals.create_referral_source(
        by=UserFactory(role=Role.COORDINATOR), name="Hillside Clinic", contact_email="r@h.example"
    ).pk


def _token_for(name: str, case: Case) -> str:
    if name.startswith("referrals:"):
        return _referral_token_for(name)
    if name == "review:report-share":
        return review_services.share_report(case=case, by=case.owner)[1]
    return _provider_token_for(case)


def _check_in_interval_for(case: Case) -> int:
    from outcomes.models import CheckIn

    CheckIn.objects.get_or_create(case=case, interval_days=30)
    return 30


def url_kwargs(name: str, case: Case | None, *, foreign: bool = False) -> dict[str, object]:
    values = {
        "reference": lambda: (
            "SO-ZZZZ-ZZZZ" if foreign else case and _referred_reference(name, case)
        ),
        "pk": lambda: 999_999_999 if foreign else _pk_for(name, case),
        "version": lambda: 99 if foreign else 1,
        "upload_id": lambda: "x" * 32 if foreign else _upload_id_for(case),
        "step": lambda: "patient",
        "authority_id": lambda: 999_999_999 if foreign else case.proxy_authority_id,
        "follow_up_id": lambda: 999_999_999 if foreign else _follow_up_id_for(case),
        "token": lambda: "0" * 64 if foreign else _token_for(name, case),
        "source_id": lambda: 999_999_999 if foreign else _source_id_for(),
        "moment": lambda: "after",
        "interval": lambda: 30 if foreign else _check_in_interval_for(case),
    }
    return {key: values[key]() for key in URLS[name]}


def outcome(response) -> object:
    if response.status_code in (200, 201):
        return OK
    if response.status_code == 302:
        if response["Location"].startswith(reverse("account_login")):
            return LOGIN
        return MFA if response["Location"].startswith(reverse("mfa_activate_totp")) else OK
    return response.status_code


def with_proxy(expected: dict[str, object], name: str = "") -> dict[str, object]:
    """The row's expectations, with the extra roles filled in from the roles they are like; the
    superuser without two-factor sign-in is sent to set it up (only the health check is open)."""
    no_mfa = {NO_MFA: expected["anonymous"] if name == "healthz" else MFA}
    return {role: expected[like] for role, like in LIKE.items()} | no_mfa | expected


def _former_specialist():
    from tests.factories import SpecialistFactory

    user = User.objects.filter(email="dr.former@example.org").first()
    if user is not None:
        return user.specialist
    return SpecialistFactory(user__email="dr.former@example.org", user__full_name="Dr Fay Former")


def _declined_by_former(case: Case, coordinator) -> None:
    """The former specialist was offered the case once and declined."""
    from django.utils import timezone

    from specialists.models import Offer

    Offer.objects.create(
        case=case,
        specialist=_former_specialist(),
        offered_by=coordinator,
        status=Offer.Status.DECLINED,
        respond_by=timezone.now(),
        responded_at=timezone.now(),
        decline_category=Offer.DeclineReason.OTHER,
        decline_reason="Away that month",
    )


def cases_for(actors, proxy, name: str, row: Row) -> tuple[Case | None, Case | None]:
    """The owner's case and the proxy's case for the owner, in the row's state. A URL about an
    authority is tried by everyone on the proxy's case."""
    if not row.state:
        return None, None
    authority = proxy_authority(proxy, actors.alice.email)
    proxy_case = actors.case(row.state, owner=proxy, authority=authority)
    if "authority_id" in URLS[name]:
        return proxy_case, proxy_case
    case = actors.case(row.state)
    _declined_by_former(case, actors.cora)
    return case, proxy_case


def clients(actors, proxy) -> dict[str, Client]:
    users = {
        "owner": actors.alice,
        "other_patient": actors.bob,
        "caregiver_without_authority": actors.carol,
        "assigned_specialist": actors.dr_smith.user,
        "unassigned_specialist": actors.dr_jones.user,
        "coordinator": actors.cora,
        PROXY: proxy,
        FORMER: _former_specialist().user,
        SUPERUSER: User.objects.filter(is_superuser=True).first()
        or UserFactory(
            email="root@example.org",
            full_name="Sam Superuser",
            role=Role.COORDINATOR,
            is_superuser=True,
            is_staff=True,
        ),
        NO_MFA: User.objects.filter(email="root.nomfa@example.org").first()
        or UserFactory(
            email="root.nomfa@example.org",
            full_name="Nat Nomfa",
            is_superuser=True,
            is_staff=True,
            verified=False,  # no authenticator
        ),
    }
    result = {"anonymous": Client()}
    for role, user in users.items():
        result[role] = Client()
        result[role].force_login(user)
    return result


def test_every_url_of_ours_has_a_row_in_the_matrix():
    assert set(URLS) == set(MATRIX)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(actors, proxy, name, method):
    row = MATRIX[name]
    case, proxy_case = cases_for(actors, proxy, name, row)
    url = reverse(name, kwargs=url_kwargs(name, case))
    proxy_url = reverse(name, kwargs=url_kwargs(name, proxy_case)) if proxy_case else url
    expected = with_proxy(getattr(row, method), name)
    actual = {}
    for role, client in clients(actors, proxy).items():
        with transaction.atomic():  # each role meets the case as it was
            actual[role] = outcome(getattr(client, method)(proxy_url if role == PROXY else url))
            transaction.set_rollback(True)
    assert_as_expected(f"{method.upper()} {url}", actual, expected)


def assert_as_expected(what: str, actual: dict, expected: dict) -> None:
    CHECKS["count"] += len(expected)
    mismatches = {
        role: (actual.get(role), expected[role])
        for role in expected
        if actual.get(role) != expected[role]
    }
    assert not mismatches, f"{what}: role -> (got, expected) {mismatches}"


# A URL that takes an id, token or reference: a made-up one is a 404 for whoever may use the URL.
TAKES_AN_ID = sorted(name for name in MATRIX if URLS[name] - {"step"})


@pytest.mark.parametrize("name", TAKES_AN_ID)
def test_a_foreign_id_is_404_for_everyone(actors, proxy, name):
    row = MATRIX[name]
    url = reverse(name, kwargs=url_kwargs(name, None, foreign=True))
    signed_in = clients(actors, proxy)
    tried = 0
    for method in ("get", "post"):
        expected = with_proxy(getattr(row, method), name)
        refused = (NOT_FOUND, NOT_ALLOWED, LOGIN, MFA)
        allowed = [role for role, result in expected.items() if result not in refused]
        for role in allowed:
            response = getattr(signed_in[role], method)(url)
            CHECKS["count"] += 1
            tried += 1
            assert response.status_code == 404, f"{method.upper()} {url} as {role}"
    assert tried or name == "records:tus-upload", f"no one may use {name}?"  # tus: PATCH etc.


# The offered specialist, before accepting ---------------------------------------------------------

OFFER_PAGES = {"specialists:offer-accept", "specialists:offer-decline"}
# Pages no specialist can reach on an offered case whatever they do: a follow-up exists only on a
# delivered case, and link pages belong to whoever holds the link (tried below).
NOT_ON_AN_OFFERED_CASE = {"review:follow-up-answer"}


def _offered_specialist_expects(name: str, method: str) -> object:
    if name in OFFER_PAGES:
        return OK
    answers = {
        result for role, result in getattr(MATRIX[name], method).items() if role != "anonymous"
    }
    return NOT_ALLOWED if answers == {NOT_ALLOWED} else NOT_FOUND


def test_an_offered_specialist_reaches_only_the_offer_pages(actors, proxy):
    """Every URL about a case, tried on an offered case by the specialist it is offered to (and a
    URL about an authority on the proxy's offered case)."""
    case = actors.case(Status.OFFERED)
    proxy_case = actors.case(
        Status.OFFERED, owner=proxy, authority=proxy_authority(proxy, actors.alice.email)
    )
    client = Client()
    client.force_login(actors.dr_smith.user)
    names = sorted(
        name
        for name, row in MATRIX.items()
        if row.state and "token" not in URLS[name] and name not in NOT_ON_AN_OFFERED_CASE
    )
    actual, expected = {}, {}
    for name in names:
        on = proxy_case if "authority_id" in URLS[name] else case
        url = reverse(name, kwargs=url_kwargs(name, on))
        for method in ("get", "post"):
            with transaction.atomic():
                actual[f"{method.upper()} {url}"] = outcome(getattr(client, method)(url))
                transaction.set_rollback(True)
            expected[f"{method.upper()} {url}"] = _offered_specialist_expects(name, method)
    assert_as_expected("the offered specialist", actual, expected)
    assert Case.objects.get(pk=case.pk).status == Status.OFFERED


# Every phase of a case --------------------------------------------------------------------------

PHASE_ROLES = (
    "anonymous",
    "owner",  # the patient; the case was opened for them by PROXY, their caregiver
    PROXY,
    "other_patient",
    "caregiver_without_authority",
    "dr_smith",  # not involved, then offered the case, then assigned to it
    "unassigned_specialist",
    FORMER,
    "coordinator",
    SUPERUSER,
    NO_MFA,
)
FIXED_RELATION = {
    "owner": Relation.PATIENT,
    PROXY: Relation.PATIENT,
    "other_patient": Relation.NO_RELATION,
    "caregiver_without_authority": Relation.NO_RELATION,
    "unassigned_specialist": Relation.NO_RELATION,
    FORMER: Relation.NO_RELATION,
    "coordinator": Relation.COORDINATOR,
    SUPERUSER: Relation.COORDINATOR,
}
# URL name -> what the policy must allow for the page to open.
CASE_PAGES = {
    "cases:case-detail": (Capability.CASE,),
    "records:case-records": (Capability.CASE,),
    "records:record-download": (Capability.CASE,),
    "records:record-preview": (Capability.CASE,),
    "messaging:case-messages": (Capability.CASE, Capability.MESSAGES),
    "review:report-download": (Capability.CASE, Capability.OPINION),
    "specialists:offer-accept": (Capability.OFFER_SUMMARY,),
}


class Walk:
    """A real case, opened by alice's caregiver under her authority, walked through the state
    machine (alice answers for herself); `at(status)` moves it on to `status`."""

    def __init__(self, actors, proxy):
        from records import services as record_services
        from tests.factories import complete_draft

        self.actors = actors
        authority = proxy_authority(proxy, actors.alice.email)
        self.case = complete_draft(proxy, authority=authority)
        _declined_by_former(self.case, actors.cora)
        record = self.case.records.get()
        record_services.read_record(record_id=record.pk)  # so that it has a preview
        self.record_id = record.pk
        self.provider_token = provider_token(records_request(self.case))
        self.share_token = None
        self.smith = Relation.NO_RELATION
        self.smith_was_offered = False
        self.has_report = False

    def at(self, status: str, *, back_from: str | None = None) -> None:
        from tests.factories import _write_and_submit_opinion

        actors = self.actors
        case = Case.objects.get(pk=self.case.pk)
        alice, cora, smith = actors.alice, actors.cora, actors.dr_smith
        question = "When was your last blood test?"
        steps = {
            Status.SUBMITTED: lambda: case_services.submit_case(case=case, by=alice),
            Status.TRIAGE: lambda: case_services.start_triage(case=case, by=cora),
            Status.NEEDS_INFO: lambda: review_services.request_information(
                case=case, by=cora, question=question
            ),
            Status.MATCHING: lambda: case_services.send_to_matching(case=case, by=cora),
            Status.OFFERED: lambda: offers.offer_case(case=case, specialist=smith, by=cora),
            Status.IN_REVIEW: lambda: offers.accept_offer(
                case=case, by=smith.user, attested_no_conflict=True
            ),
            Status.INFO_REQUESTED: lambda: review_services.request_information(
                case=case, by=smith.user, question=question
            ),
            Status.OPINION_SUBMITTED: lambda: _write_and_submit_opinion(case, smith),
            Status.DELIVERED: lambda: review_services.deliver_opinion(case=case, by=cora),
            Status.CLOSED: lambda: state_machine.transition(case, "close", by=None, note="Done"),
            Status.WITHDRAWN: lambda: case_services.withdraw_case(
                case=case, by=alice, reason="Moved"
            ),
            Status.CANCELLED: lambda: case_services.cancel_case(
                case=case, by=cora, reason="Unpaid"
            ),
        }
        if back_from:  # the patient answers the question asked
            review_services.answer_information_request(case=case, by=alice, answer="In May.")
        else:
            steps[status]()
        self.case = Case.objects.get(pk=case.pk)
        assert self.case.status == status
        if status == Status.DELIVERED:
            self.share_token = review_services.share_report(case=self.case, by=alice)[1]
        self.smith = {
            Status.OFFERED: Relation.OFFERED_SPECIALIST,
            Status.IN_REVIEW: Relation.ASSIGNED_SPECIALIST,
            Status.WITHDRAWN: Relation.NO_RELATION,  # the open offer was withdrawn with the case
        }.get(status, self.smith)
        self.smith_was_offered = self.smith_was_offered or status == Status.OFFERED
        self.has_report = self.has_report or status == Status.OPINION_SUBMITTED


# Each walk: the states in order; a state twice means the patient answered a question.
WALKS = {
    "to closed": (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.TRIAGE,
        Status.NEEDS_INFO,
        Status.TRIAGE,
        Status.MATCHING,
        Status.OFFERED,
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
        Status.IN_REVIEW,
        Status.OPINION_SUBMITTED,
        Status.DELIVERED,
        Status.CLOSED,
    ),
    "withdrawn while offered": (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.TRIAGE,
        Status.MATCHING,
        Status.OFFERED,
        Status.WITHDRAWN,
    ),
    # The opinion delivered and its report shared, then the case cancelled by a coordinator.
    "cancelled after delivery": (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.TRIAGE,
        Status.MATCHING,
        Status.OFFERED,
        Status.IN_REVIEW,
        Status.OPINION_SUBMITTED,
        Status.DELIVERED,
        Status.CANCELLED,
    ),
}


def policy_column(status: str) -> tuple:
    """Everything the policy says about a phase: where it differs, someone's access changes."""
    return tuple(
        access.allows(capability, relation, status)
        for capability in Capability
        for relation in Relation
    )


MAIN_WALK = "to closed"


def states_to_check(walk_name: str) -> list[int]:
    """The steps of a walk to check: on the main walk, each step where the policy changes (where
    someone's access changes); on the walks to an early end, the end."""
    steps = WALKS[walk_name]
    if walk_name != MAIN_WALK:
        return [len(steps) - 1]
    checked, last = [], None
    for index, status in enumerate(steps):
        if policy_column(status) != last or index == len(steps) - 1:
            checked.append(index)
        last = policy_column(status)
    return checked


def _expected(role: str, name: str, walk: Walk, status: str) -> object:
    if role == "anonymous":
        return LOGIN
    if role == NO_MFA:
        return MFA
    relation = walk.smith if role == "dr_smith" else FIXED_RELATION[role]
    allowed = all(access.allows(c, relation, status) for c in CASE_PAGES[name])
    if name == "review:report-download":
        allowed = allowed and walk.has_report
    if name == "specialists:offer-accept":
        if allowed:
            return SUMMARY
        # A specialist sees their own offer's answer ("you declined this case on …"), with
        # nothing of the case; anyone else, nothing at all.
        has_offer = role == FORMER or (role == "dr_smith" and walk.smith_was_offered)
        return OK if has_offer else NOT_FOUND
    return OK if allowed else NOT_FOUND


def _phase_outcome(response) -> object:
    summary = b"What the case is about"
    if response.status_code == 200 and not response.streaming and summary in response.content:
        return SUMMARY
    return outcome(response)


def _check_phase(actors, proxy, walk: Walk, status: str, signed_in: dict) -> None:
    urls = {
        "cases:case-detail": reverse("cases:case-detail", args=[walk.case.reference]),
        "records:case-records": reverse("records:case-records", args=[walk.case.reference]),
        "records:record-download": reverse("records:record-download", args=[walk.record_id]),
        "records:record-preview": reverse("records:record-preview", args=[walk.record_id]),
        "messaging:case-messages": reverse("messaging:case-messages", args=[walk.case.reference]),
        "review:report-download": reverse("review:report-download", args=[walk.case.reference, 1]),
        "specialists:offer-accept": reverse("specialists:offer-accept", args=[walk.case.reference]),
    }
    assert set(urls) == set(CASE_PAGES)
    actual, expected = {}, {}
    for role in PHASE_ROLES:
        client = signed_in["assigned_specialist" if role == "dr_smith" else role]
        with transaction.atomic():  # each role meets the case as it was
            for name, url in urls.items():
                actual[(name, role)] = _phase_outcome(client.get(url))
                expected[(name, role)] = _expected(role, name, walk, status)
            transaction.set_rollback(True)
    # The links: a provider's records link, and (once delivered) the report share link.
    with transaction.atomic():
        link = Client().get(reverse("records:provider-link", args=[walk.provider_token]))
        actual[("records:provider-link", "provider")] = outcome(link)
        transaction.set_rollback(True)
    expected[("records:provider-link", "provider")] = (
        OK if access.allows(Capability.ADD_RECORDS, Relation.PROVIDER_LINK, status) else GONE
    )
    if walk.share_token:
        shared = Client().get(reverse("review:report-share", args=[walk.share_token]))
        actual[("review:report-share", "doctor")] = outcome(shared)
        allowed = access.allows(Capability.OPINION, Relation.SHARE_LINK, status)
        expected[("review:report-share", "doctor")] = OK if allowed else GONE
    assert_as_expected(f"{walk.case.reference} in {status}", actual, expected)


@pytest.mark.parametrize("walk_name", sorted(WALKS))
def test_each_role_gets_what_the_policy_says_in_each_phase(actors, proxy, walk_name):
    steps = WALKS[walk_name]
    walk = Walk(actors, proxy)
    signed_in = clients(actors, proxy)
    checked = states_to_check(walk_name)
    for index, status in enumerate(steps):
        if index:
            back = steps[index - 1] if status in steps[:index] else None
            walk.at(status, back_from=back)
        if index in checked:
            _check_phase(actors, proxy, walk, status, signed_in)


def test_the_walks_meet_every_phase_where_someones_access_changes():
    """A change of the policy in a phase the walks do not check would go untested."""
    met = {policy_column(WALKS[name][index]) for name in WALKS for index in states_to_check(name)}
    assert met == {policy_column(status) for status in access.PHASES}
    ends = {steps[-1] for steps in WALKS.values()}
    assert {Status.CLOSED, Status.WITHDRAWN, Status.CANCELLED} <= ends


# Referral links, in each state a link can be in -------------------------------------------------


def test_a_referral_source_link_works_until_it_is_revoked(actors):
    from referrals import services as referrals

    source = referrals.create_referral_source(
        by=actors.cora, name="Hillside Clinic", contact_email="referrals@hillside.example"
    )
    url = referrals.source_path(source)

    active = outcome(Client().get(url))
    referrals.revoke_referral_source(source=source, by=actors.cora)
    revoked = outcome(Client().get(url))

    assert_as_expected(
        "the referral source link",
        {"active": active, "revoked": revoked},
        {"active": OK, "revoked": GONE},
    )


def test_an_invitation_link_works_until_claimed_then_only_for_its_patient(actors):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from referrals import services as referrals

    def invite(email: str) -> str:
        return referrals.invitation_path(
            referrals.enter_referral(
                by=actors.cora,
                referrer_name="Dr Ada Brown",
                referrer_email="ada.brown@hillside.example",
                patient_name="Eve Patient",
                patient_email=email,
                diagnosis="Stage II ductal carcinoma",
                treating_doctor="Dr Ada Brown",
            )
        )

    eve = UserFactory(email="eve@example.org", full_name="Eve Patient")
    url = invite(eve.email)
    holders = {"anonymous": Client(), "invited patient": Client(), "other patient": Client()}
    holders["invited patient"].force_login(eve)
    holders["other patient"].force_login(actors.bob)
    actual, expected = {}, {}
    for who, client in holders.items():
        actual[("open", who)] = outcome(client.get(url))
        # Only the invited address may see it: another account is told it was sent to someone
        # else (403), and the invitation stays open for its patient.
        expected[("open", who)] = FORBIDDEN if who == "other patient" else OK
    token = url.rstrip("/").rsplit("/", 1)[-1]
    case = referrals.claim_referral(token=token, by=eve)
    for who, client in holders.items():
        response = client.get(url)
        actual[("claimed", who)] = outcome(response)
        expected[("claimed", who)] = OK if who == "invited patient" else GONE
        if who == "invited patient":  # back to their own draft
            assert case.reference in response["Location"]
    later = invite("eve.later@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=referrals.INVITATION_DAYS + 1)):
        actual[("expired", "anonymous")] = outcome(Client().get(later))
    expected[("expired", "anonymous")] = GONE
    assert_as_expected("the invitation link", actual, expected)


def test_the_readme_states_the_declared_policy():
    """README's Security section carries the policy as `cases.access.policy_table()` prints it."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = access.policy_table()
    header = table.splitlines()[0]
    assert header in readme, "README's Security section has no access table"
    start = readme.index(header)
    assert readme[start : start + len(table)] == table, (
        "README's access table differs from cases/access.py: paste "
        "`python manage.py shell -c 'from cases.access import policy_table; print(policy_table())'`"
    )
