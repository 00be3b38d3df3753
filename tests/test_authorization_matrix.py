"""The authorization matrix: every URL of our own code × every role × GET and POST.

The URL list comes from the URLconf, so a new view without a row here fails
`test_every_url_of_ours_has_a_row_in_the_matrix`. Results:
OK: allowed (200, or a redirect that is not to the sign-in page); LOGIN: sent to sign in;
404: not found (the object is not theirs to know about); 405: method not allowed.
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import Case, Status

OK, LOGIN, NOT_FOUND, NOT_ALLOWED = "ok", "login", 404, 405
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
PATIENT_SIDE = ("owner", "other_patient", "caregiver_without_authority")
OUR_PACKAGES = ("cases.", "records.", "specialists.", "secondopinion.")


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

MATRIX: dict[str, Row] = {
    "home": Row(None, {role: OK for role in ROLES}, {role: NOT_ALLOWED for role in ROLES}),
    "healthz": Row(None, {role: OK for role in ROLES}, {role: NOT_ALLOWED for role in ROLES}),
    "cases:dashboard": Row(None, EVERYONE),
    "cases:queue": Row(None, only("coordinator")),
    "cases:case-create": Row(None, only(*PATIENT_SIDE), only(*PATIENT_SIDE)),
    "cases:case-detail": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "cases:case-edit": Row(Status.DRAFT, only("owner"), only("owner")),
    "cases:case-submit": Row(Status.DRAFT, NO_GET, only("owner")),
    "cases:case-withdraw": Row(Status.SUBMITTED, only("owner"), only("owner")),
    "cases:case-start-triage": Row(Status.SUBMITTED, NO_GET, only("coordinator")),
    "cases:case-send-to-matching": Row(Status.TRIAGE, NO_GET, only("coordinator")),
    "cases:case-offer": Row(Status.MATCHING, only("coordinator"), only("coordinator")),
    "cases:case-cancel": Row(Status.SUBMITTED, only("coordinator"), only("coordinator")),
    "cases:offer-accept": Row(Status.OFFERED, NO_GET, only("assigned_specialist")),
    "cases:offer-decline": Row(
        Status.OFFERED, only("assigned_specialist"), only("assigned_specialist")
    ),
    "cases:opinion-edit": Row(
        Status.IN_REVIEW, only("assigned_specialist"), only("assigned_specialist")
    ),
    "cases:opinion-return": Row(Status.OPINION_SUBMITTED, only("coordinator"), only("coordinator")),
    "cases:opinion-deliver": Row(Status.OPINION_SUBMITTED, NO_GET, only("coordinator")),
    "cases:report-download": Row(Status.DELIVERED, only(*CASE_READERS)),
    "records:record-upload": Row(Status.DRAFT, NO_GET, only("owner")),
    "records:record-download": Row(Status.IN_REVIEW, only(*CASE_READERS)),
    "notifications:list": Row(None, EVERYONE),
    "notifications:mark-all-read": Row(None, NO_GET, EVERYONE),
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


def url_kwargs(name: str, case: Case | None, *, foreign: bool = False) -> dict[str, object]:
    values = {
        "reference": "SO-ZZZZ-ZZZZ" if foreign else case and case.reference,
        "pk": 999_999_999 if foreign else case and case.records.first().pk,
        "version": 99 if foreign else 1,
    }
    return {key: values[key] for key in URLS[name]}


def outcome(response) -> object:
    if response.status_code in (200, 201):
        return OK
    if response.status_code == 302:
        return LOGIN if response["Location"].startswith(reverse("account_login")) else OK
    return response.status_code


def clients(actors) -> dict[str, Client]:
    users = {
        "owner": actors.alice,
        "other_patient": actors.bob,
        "caregiver_without_authority": actors.carol,
        "assigned_specialist": actors.dr_smith.user,
        "unassigned_specialist": actors.dr_jones.user,
        "coordinator": actors.cora,
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
def test_each_role_gets_what_the_matrix_says(actors, name, method):
    row = MATRIX[name]
    case = actors.case(row.state) if row.state else None
    url = reverse(name, kwargs=url_kwargs(name, case))
    expected = getattr(row, method)
    actual = {}
    for role, client in clients(actors).items():
        with transaction.atomic():  # each role meets the case as it was
            actual[role] = outcome(getattr(client, method)(url))
            transaction.set_rollback(True)
    mismatches = {
        role: (actual[role], expected[role]) for role in ROLES if actual[role] != expected[role]
    }
    assert not mismatches, f"{method.upper()} {url}: role -> (got, expected) {mismatches}"


@pytest.mark.parametrize("name", sorted(name for name, row in MATRIX.items() if row.state))
def test_a_foreign_id_is_404_for_everyone(actors, name):
    row = MATRIX[name]
    url = reverse(name, kwargs=url_kwargs(name, None, foreign=True))
    for method in ("get", "post"):
        allowed = [role for role, result in getattr(row, method).items() if result == OK]
        for role in allowed:
            response = getattr(clients(actors)[role], method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} as {role}"
