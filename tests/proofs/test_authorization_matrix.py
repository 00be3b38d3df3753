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

import copy

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cases import access, state_machine
from cases import services as case_services
from cases.access import Capability, Relation
from cases.models import Case, Status
from review import services as review_services
from specialists import offers
from tests.factories import UserFactory, provider_token, proxy_authority, records_request
from tests.proofs.matrix import (
    BY_STATE,
    CHECKS,
    FORBIDDEN,
    FORMER,
    GONE,
    LOGIN,
    MATRIX,
    MFA,
    NO_MFA,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    PROXY,
    SUMMARY,
    SUPERUSER,
    URLS,
    cases_for,
    clients,
    declined_by_former,
    outcome,
    url_kwargs,
    with_proxy,
)


def test_every_url_of_ours_has_a_row_in_the_matrix():
    assert set(URLS) == set(MATRIX)


@pytest.mark.parametrize("state", sorted(BY_STATE, key=str), ids=str)
def test_each_role_gets_what_the_matrix_says(actors, proxy, state):
    """Every URL tried on a case in `state`, GET and POST, by every role. Each URL meets the
    cases as they were built: what its set-up and its requests write is rolled back."""
    case, proxy_case = cases_for(actors, proxy, state)
    signed_in = clients(actors, proxy)
    problems = []
    for name in BY_STATE[state]:
        on = proxy_case if "authority_id" in URLS[name] else case
        for method in ("get", "post"):
            try:
                _check_row(signed_in, name, method, on, proxy_case or on)
            except AssertionError as problem:
                problems.append(str(problem))
    assert not problems, "\n".join(problems)


def _check_row(signed_in: dict[str, Client], name: str, method: str, case, proxy_case) -> None:
    with transaction.atomic():
        url = reverse(name, kwargs=url_kwargs(name, case))
        proxy_url = reverse(name, kwargs=url_kwargs(name, proxy_case)) if proxy_case else url
        actual = {}
        for role, client in signed_in.items():
            cookies = copy.deepcopy(client.cookies)  # a sign-out is undone with the rest
            with transaction.atomic():  # each role meets the case as it was
                actual[role] = outcome(getattr(client, method)(proxy_url if role == PROXY else url))
                transaction.set_rollback(True)
            client.cookies = cookies
        transaction.set_rollback(True)
    assert_as_expected(
        f"{method.upper()} {url}", actual, with_proxy(getattr(MATRIX[name], method), name)
    )


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


# One set-up of signed-in clients per URL namespace ("review", "records", ...).
TAKES_AN_ID_BY_APP: dict[str, list[str]] = {}
for _name in TAKES_AN_ID:
    TAKES_AN_ID_BY_APP.setdefault(_name.partition(":")[0], []).append(_name)


@pytest.mark.parametrize("app", sorted(TAKES_AN_ID_BY_APP))
def test_a_foreign_id_is_404_for_everyone(actors, proxy, app):
    signed_in = clients(actors, proxy)
    problems = []
    for name in TAKES_AN_ID_BY_APP[app]:
        problems += _foreign_id_problems(signed_in, name)
    assert not problems, "\n".join(problems)


def _foreign_id_problems(signed_in: dict[str, Client], name: str) -> list[str]:
    row = MATRIX[name]
    url = reverse(name, kwargs=url_kwargs(name, None, foreign=True))
    problems, tried = [], 0
    for method in ("get", "post"):
        expected = with_proxy(getattr(row, method), name)
        refused = (NOT_FOUND, NOT_ALLOWED, LOGIN, MFA)
        allowed = [role for role, result in expected.items() if result not in refused]
        for role in allowed:
            cookies = copy.deepcopy(signed_in[role].cookies)
            response = getattr(signed_in[role], method)(url)
            signed_in[role].cookies = cookies
            CHECKS["count"] += 1
            tried += 1
            if response.status_code != 404:
                problems.append(f"{method.upper()} {url} as {role}: {response.status_code}")
    if not tried and name != "records:tus-upload":  # tus: PATCH etc.
        problems.append(f"no one may use {name}?")
    return problems


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
        declined_by_former(self.case, actors.cora)
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
