"""The authorization matrix's rows and the means to try them: every URL of our own code (read from
the URLconf) with what each role gets from it, the clients signed in as each role, the objects a
URL names, and what a response counts as. tests/proofs/test_authorization_matrix.py runs them;
the audit-completeness and bad-input proofs reuse them."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import Case, Status
from records import uploads
from review import services as review_services
from secondopinion.accounts.models import Role, User
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
    # Tried on a case whose report language was waived for its specialist (the translation step).
    "review:opinion-translation": Row(
        Status.OPINION_SUBMITTED, only("coordinator"), only("coordinator")
    ),
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
    "records:record-reduced": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "records:record-describe": Row(Status.IN_REVIEW, only("owner"), only("owner")),
    "records:case-records": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    # tus endpoints: a bare POST is no tus request (412 for the owner, who may upload); an
    # upload is continued with HEAD/PATCH/DELETE by whoever may continue it, who alone may ask
    # what became of it (GET; a provider has no account, so no sign-in page either).
    "records:tus-create": Row(Status.DRAFT, NO_GET, only("owner") | {"owner": 412}),
    "records:tus-upload": Row(
        Status.DRAFT,
        only("owner", "proxy_with_authority") | {"anonymous": NOT_FOUND},
        {role: NOT_ALLOWED for role in ROLES},
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
    # The language switch on every page: anyone may choose, signed in or not (a POST only).
    "accounts:language": Row(
        None,
        {role: NOT_ALLOWED for role in ROLES} | {NO_MFA: NOT_ALLOWED},
        {role: OK for role in ROLES} | {NO_MFA: OK},
    ),
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
    "coordinator:outcomes-export": Row(None, only("coordinator")),
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
    it has a preview), or for a reduced copy a huge image of the case's."""
    from records import services as record_services

    if name.startswith("records:request-"):
        return records_request(case).pk
    if name == "coordinator:specialty-field-remove":
        return _specialty_field_id()
    if name == "records:record-reduced":
        return _huge_image_id(case)
    record = case.records.first()
    if name == "records:record-preview":
        record_services.read_record(record_id=record.pk)
    return record.pk


def _huge_image_id(case: Case) -> int:
    """A picture longer than the viewer takes on the case, read (so it has a reduced copy)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from records import services as record_services
    from tests.records.files import picture

    if existing := case.records.exclude(reduced="").first():
        return existing.pk
    upload = SimpleUploadedFile("long.png", picture(5000, 20, "PNG"), "image/png")
    record = record_services.add_record(case=case, by=case.owner, upload=upload)
    return record_services.read_record(record_id=record.pk).pk


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
    """The case's reference; for a referrals page, the case is first linked to a referral; for
    the translation page, its report language is first waived for its specialist."""
    if name == "review:opinion-translation":
        from specialists.models import LanguageWaiver

        Case.objects.filter(pk=case.pk).update(report_language="es")
        LanguageWaiver.objects.get_or_create(
            case=case, defaults={"language": "es", "reason": "None free", "waived_by": case.owner}
        )
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


def declined_by_former(case: Case, coordinator) -> None:
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


def cases_for(actors, proxy, state: str | None) -> tuple[Case | None, Case | None]:
    """The owner's case (which the former specialist declined) and the proxy's case for the
    owner, in `state` (none without a state). A URL about an authority is tried by everyone on
    the proxy's case."""
    if not state:
        return None, None
    authority = proxy_authority(proxy, actors.alice.email)
    proxy_case = actors.case(state, owner=proxy, authority=authority)
    case = actors.case(state)
    declined_by_former(case, actors.cora)
    return case, proxy_case


def case_for(actors, proxy, name: str) -> Case | None:
    """The case `name`'s URL is tried on (see cases_for)."""
    case, proxy_case = cases_for(actors, proxy, MATRIX[name].state)
    return proxy_case if "authority_id" in URLS[name] else case


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


# The URLs whose row is tried on a case in the same state share one set-up (their cases and
# signed-in clients); None: URLs tried on no case.
BY_STATE: dict[str | None, list[str]] = {}
for _name, _row in sorted(MATRIX.items()):
    BY_STATE.setdefault(_row.state, []).append(_name)


def pages_read(
    actors, proxy, state: str | None, readers: Iterable[str]
) -> Iterator[tuple[str, Client, Callable[[], str]]]:
    """Every page of `state` that one of `readers` may open (its GET answers OK): ("role url
    name", the role's client, the page's URL). The URL is a function: finding its ids may write
    (an upload, a link), so the caller calls it inside the transaction it rolls back."""
    case, proxy_case = cases_for(actors, proxy, state)
    signed_in = clients(actors, proxy)
    for name in BY_STATE[state]:
        on = proxy_case if "authority_id" in URLS[name] else case
        for role in readers:
            if with_proxy(MATRIX[name].get, name).get(role) == OK:
                yield f"{role} {name}", signed_in[role], partial(_url, name, on)


def _url(name: str, case: Case | None) -> str:
    return reverse(name, kwargs=url_kwargs(name, case))
