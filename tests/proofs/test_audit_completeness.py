"""Audit completeness: every page that shows a case's health information leaves an audit event.

Every URL of ours is either in READS (who reads it, and the event it must leave) or in NO_PHI
(with why it shows no one else's health information); the URL list comes from the URLconf, so a
new view cannot be forgotten. Each read is then made by every role the authorization matrix lets
in, and must leave its event, naming that person and the case.
"""

import copy

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cases.models import Status
from secondopinion.audit.models import AuditEvent
from tests.proofs.matrix import (
    FORMER,
    MATRIX,
    OK,
    PROXY,
    URLS,
    cases_for,
    clients,
    url_kwargs,
)

# URL name -> the audit event each read must leave.
READS = {
    "cases:case-detail": "case.view",
    "messaging:case-messages": "message.read",
    "cases:authority-document": "authority.document_download",
    "review:report-download": "report.download",
    "review:workspace": "case.view",
    "review:information-request": "case.view",
    "review:information-answer": "case.view",
    "review:follow-up-ask": "case.view",
    "review:follow-up-answer": "case.view",
    "cases:coverage-check": "case.view",
    "cases:case-cancel": "case.view",
    "cases:case-withdraw": "case.view",
    "cases:consent-withdraw": "case.view",
    "review:opinion-return": "case.view",
    "review:opinion-translation": "case.view",
    "records:case-records": "record.list",
    "records:record-download": "record.download",
    "records:record-preview": "record.preview",
    "records:record-view": "record.view",
    "records:record-inline": "record.view",
    "records:record-reduced": "record.view",
    "records:provider-link": "records_request.open",
    "specialists:match": "case.view",
    "specialists:case-conflict-add": "case.view",
    "specialists:offer-accept": "offer.view",  # the offered specialist's summary of the case
    "specialists:match-language-waive": "case.view",
    "data_rights:case-export": "case.export",
    "coordinator:case-fhir-export": "case.fhir_export",
    "coordinator:search": "case.search",
    "outcomes:after": "case.view",
}
# Reads made by a POST (so that a link checker cannot use up a single-use link).
POSTED_READS = {"review:report-share": "report.share_download"}
# Reads of something that belongs to a person rather than one case (an authority may cover
# several of the patient's cases): the event names the object, not a case.
NOT_ONE_CASE = {"cases:authority-document"}
# Links that are their own key (a provider's upload link, a shared report): whoever holds one
# is the reader, so the event names no account, and a single-use link is tried once.
LINK_HOLDER_READS = {"records:provider-link", "review:report-share"}
# Roles the matrix lets in who are shown nothing of the case: the specialist who declined sees
# only "you declined this case on …".
SHOWN_NOTHING = {"specialists:offer-accept": {FORMER}}
# Query strings a read needs (a search shows cases only when asked for something).
QUERIES = {"coordinator:search": lambda case: {"q": case.reference}}

OWN = "the patient's own pages, about their own case, while they write it"
LISTS = "lists of cases by reference, state and dates: no health information"
NO_CASE = "no case's health information on the page"
NO_PHI = {
    "home": NO_CASE,
    "admin:login": "a redirect to the sign-in or its two-factor step",
    "healthz": NO_CASE,
    "readyz": NO_CASE,
    "cases:dashboard": OWN,
    "cases:case-create": OWN,
    "cases:authority-new": OWN,
    "cases:authority-revoke": OWN,
    "cases:intake-authority": OWN,
    "cases:intake-step": OWN,
    "cases:intake-resume": OWN,
    "cases:intake-check": OWN,
    "cases:case-consent": OWN,
    "cases:case-submit": "a POST that changes state (audited as the change)",
    "cases:case-start-triage": "a POST that changes state (audited as the change)",
    "cases:case-send-to-matching": "a POST that changes state (audited as the change)",
    "review:opinion-deliver": "a POST that changes state (audited as the change)",
    "review:opinion-edit": "a redirect to the workspace (where the read is audited)",
    "review:opinion-autosave": "a POST that saves a draft and shows back only its version and time",
    "review:report-share-create": OWN,
    "coordinator:queue": LISTS,
    "coordinator:queue-bulk": "a POST that assigns or reminds (audited as the change)",
    "coordinator:deletion-requests": LISTS,
    "coordinator:specialty-fields": "the opinion's templates: fields of a specialty, no case",
    "coordinator:specialty-field-remove": "a POST that removes a template's field (audited)",
    "coordinator:deletion-decide": "a POST that changes state (audited as the change)",
    "coordinator:metrics": "counts and durations over all cases, no one's case",
    "coordinator:metrics-export": "counts and durations over all cases, no one's case",
    "audit:event-list": "audit events carry ids and actions, never health information",
    "audit:event-export": "audit events carry ids and actions, never health information",
    "data_rights:access-history": OWN,
    "data_rights:deletion-request": OWN,
    "notifications:list": "notifications are PHI-free by design (tested with the outbox)",
    "notifications:mark-all-read": NO_CASE,
    "notifications:preferences": NO_CASE,
    "accounts:account": "the person's own name and sign-in settings, no case",
    "accounts:language": "the person's own language (a change is audited), no case",
    "records:record-describe": OWN,
    "records:record-upload": OWN,
    "records:tus-create": OWN,
    "records:tus-upload": OWN,
    "records:request-create": OWN,
    "records:request-resend": OWN,
    "records:request-list": "the providers asked and the case reference: no health information",
    "records:provider-upload": "the provider's own upload page, after the audited link",
    "records:provider-tus-create": "the provider's own upload, after the audited link",
    "records:provider-finish": "the provider's own upload, after the audited link",
    "specialists:home": LISTS,
    "specialists:profile": "the specialist's own profile",
    "specialists:profile-edit": "the specialist's own profile",
    "specialists:licence-add": "the specialist's own profile",
    "specialists:certification-add": "the specialist's own profile",
    "specialists:affiliation-add": "the specialist's own profile",
    "specialists:relationship-add": "the specialist's own profile",
    "specialists:unavailability-add": "the specialist's own profile",
    "specialists:conflict-declare": "the specialist's own profile",
    "specialists:profile-item-remove": "the specialist's own profile",
    "specialists:credentials": "specialists' credentials, not patients' information",
    "specialists:offer-decline": "the offer's deadline and answer; the case is read on its page",
    "referrals:source-list": "referring organisations and their links, no patient's information",
    "referrals:source-revoke": "referring organisations and their links, no patient's information",
    "referrals:referral-enter": "an empty form for a new referral (its POST is audited)",
    "referrals:refer": "the referrer's own form: it shows nothing back (its POST is audited)",
    "referrals:invitation": "says a doctor referred the reader, nothing about the case",
    "referrals:case-referral": OWN,
    "referrals:report-share": OWN,
    "outcomes:question-add": OWN,
    "outcomes:follow-up-choice": OWN,
    "outcomes:decision": "the patient's own decision form: no one else's information",
    "outcomes:check-in": "the patient's own check-in form: no one else's information",
    "coordinator:outcomes-export": "counts and shares over all cases (groups under 10 suppressed)",
}


def test_every_url_is_either_an_audited_read_or_says_why_it_shows_no_phi():
    audited = set(READS) | set(POSTED_READS)
    assert not audited & set(NO_PHI)
    assert sorted(set(URLS) - audited - set(NO_PHI)) == []
    assert sorted((audited | set(NO_PHI)) - set(URLS)) == []


# The reads tried on a case in the same state share one set-up (cases and signed-in clients).
READS_BY_STATE: dict[str | None, list[str]] = {}
for _name in sorted(READS) + sorted(POSTED_READS):
    READS_BY_STATE.setdefault(MATRIX[_name].state, []).append(_name)


@pytest.mark.parametrize("state", sorted(READS_BY_STATE, key=str), ids=str)
def test_each_read_of_health_information_leaves_an_audit_event(actors, proxy, state):
    """Each read tried on a case in `state` (a submitted one, which a search finds, for a read
    about no case), by every role allowed it; what each read wrote is rolled back after it."""
    case, proxy_case = cases_for(actors, proxy, state or Status.SUBMITTED)
    signed_in = clients(actors, proxy)
    problems = []
    for name in READS_BY_STATE[state]:
        on = proxy_case if "authority_id" in URLS[name] else case
        with transaction.atomic():
            problems += _reads_left_no_event(signed_in, name, on)
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def _reads_left_no_event(signed_in: dict[str, Client], name: str, case) -> list[str]:
    row = MATRIX[name]
    method, action = ("post", POSTED_READS[name]) if name in POSTED_READS else ("get", READS[name])
    readers = [role for role, result in getattr(row, method).items() if result == OK]
    if name in LINK_HOLDER_READS:
        readers = ["anonymous"]
    if not readers:
        return [f"no one may read {name}?"]
    problems = []
    for role, client in signed_in.items():
        if role not in readers or role == PROXY or role in SHOWN_NOTHING.get(name, ()):
            continue
        url = reverse(name, kwargs=url_kwargs(name, case))
        query = QUERIES[name](case) if name in QUERIES else {}
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        cookies = copy.deepcopy(client.cookies)

        response = getattr(client, method)(url, query)

        client.cookies = cookies
        if response.status_code not in (200, 302):
            problems.append(f"{name} as {role}: {response.status_code}")
            continue
        user = response.wsgi_request.user
        events = AuditEvent.objects.filter(id__gt=before, action=action)
        actor = user if user.is_authenticated else None
        about = {} if name in NOT_ONE_CASE else {"case_id": case.pk}
        if not events.filter(actor=actor, **about).exists():
            problems.append(
                f"{method.upper()} {name} as {role} left no {action} event about the case"
            )
    return problems
