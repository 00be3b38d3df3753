"""Who may see what of a case in each phase: the one declared access policy.

`cases_visible_to`, the permission functions in `cases.permissions` and the authorization matrix
(tests/proofs/test_authorization_matrix.py) all read `POLICY`, so the code and its test cannot drift. The
README's table is `policy_table()`, checked against this module by a test.
"""

from enum import StrEnum

from .models import Status


class Capability(StrEnum):
    CASE = "case"  # the case page, its records, messages and every other page of the case
    OFFER_SUMMARY = "offer_summary"  # the offer page's minimal summary, nothing identifying
    OPINION = "opinion"  # the opinion and its PDF report
    MESSAGES = "messages"  # the case's message thread
    ADD_RECORDS = "add_records"  # upload records, or ask a provider to send them


class Relation(StrEnum):
    PATIENT = "patient"  # the patient, or a caregiver while their authority stands
    OFFERED_SPECIALIST = "offered_specialist"  # holds the case's open offer
    ASSIGNED_SPECIALIST = "assigned_specialist"  # accepted the offer with the attestation
    COORDINATOR = "coordinator"  # a superuser too, once signed in with two factors
    # Declined or former specialists, other patients, caregivers without authority.
    NO_RELATION = "no_relation"
    PROVIDER_LINK = "provider_link"  # holds an open records request's emailed link
    SHARE_LINK = "share_link"  # holds a report share link the patient made (it works once)


# The states a case moves through, in the order of the lifecycle, side states after the state
# they branch from, the early ends last.
PHASES: tuple[Status, ...] = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.TRIAGE,
    Status.NEEDS_INFO,
    Status.MATCHING,
    Status.OFFERED,
    Status.IN_REVIEW,
    Status.INFO_REQUESTED,
    Status.OPINION_SUBMITTED,
    Status.DELIVERED,
    Status.CLOSED,
    Status.WITHDRAWN,
    Status.CANCELLED,
)
assert set(PHASES) == set(Status), "every state of a case has its place in the policy"

EVERY_PHASE = frozenset(PHASES)
SUBMITTED_ON = EVERY_PHASE - {Status.DRAFT}
# From the specialist's acceptance on; a case cancelled during the review stays with them.
REVIEW_ON = frozenset(
    {
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
        Status.OPINION_SUBMITTED,
        Status.DELIVERED,
        Status.CLOSED,
        Status.CANCELLED,
    }
)
DELIVERED_ON = frozenset({Status.DELIVERED, Status.CLOSED})
# Until the specialist's opinion is written the patient's side may add records.
RECORDS_OPEN = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.TRIAGE,
        Status.NEEDS_INFO,
        Status.MATCHING,
        Status.OFFERED,
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
    }
)

# capability -> relation -> the phases in which it is allowed. A pair not named: never.
POLICY: dict[Capability, dict[Relation, frozenset[Status]]] = {
    Capability.CASE: {
        Relation.PATIENT: EVERY_PHASE,
        Relation.ASSIGNED_SPECIALIST: REVIEW_ON,
        Relation.COORDINATOR: SUBMITTED_ON,
    },
    Capability.OFFER_SUMMARY: {
        Relation.OFFERED_SPECIALIST: frozenset({Status.OFFERED}),
    },
    Capability.OPINION: {
        Relation.PATIENT: DELIVERED_ON,  # delivered versions only
        Relation.ASSIGNED_SPECIALIST: REVIEW_ON,
        Relation.COORDINATOR: SUBMITTED_ON,
        Relation.SHARE_LINK: DELIVERED_ON,  # the current report's PDF, once
    },
    Capability.MESSAGES: {
        Relation.PATIENT: SUBMITTED_ON,
        Relation.ASSIGNED_SPECIALIST: REVIEW_ON,
        Relation.COORDINATOR: SUBMITTED_ON,
    },
    Capability.ADD_RECORDS: {
        Relation.PATIENT: RECORDS_OPEN,
        Relation.PROVIDER_LINK: RECORDS_OPEN,
    },
}


def phases(capability: Capability, relation: Relation) -> frozenset[Status]:
    """The phases of a case in which `relation` has `capability`."""
    return POLICY[capability].get(relation, frozenset())


# States in which the patient's side may still add records.
RECORDS_OPEN_STATES = phases(Capability.ADD_RECORDS, Relation.PATIENT)
# Until the review is done the patient's side may sign a newer consent, and must before submitting.
CONSENT_OPEN_STATES = RECORDS_OPEN_STATES


def allows(capability: Capability, relation: Relation, status: str) -> bool:
    return status in phases(capability, relation)


# The README's names for each relation (the table's columns).
WHO = {
    Relation.PATIENT: "patient / caregiver with authority",
    Relation.OFFERED_SPECIALIST: "offered specialist (before accepting)",
    Relation.ASSIGNED_SPECIALIST: "assigned specialist (accepted with the attestation)",
    Relation.COORDINATOR: "coordinator (superuser: after two-factor sign-in)",
    Relation.NO_RELATION: "declined / former specialist, other patients, caregivers without authority",
    Relation.PROVIDER_LINK: "provider's records link",
    Relation.SHARE_LINK: "report share link",
}


def access_in(relation: Relation, status: str) -> str:
    """What `relation` gets of a case in `status`, in words ("—" for nothing: a 404)."""
    allowed = {capability for capability in Capability if allows(capability, relation, status)}
    words = []
    if Capability.CASE in allowed:
        words.append("all" if Capability.OPINION in allowed else "all but the opinion")
        if Capability.MESSAGES not in allowed:
            words.append("no messages")
    elif Capability.OPINION in allowed:
        words.append("the report")
    if Capability.OFFER_SUMMARY in allowed:
        words.append("summary only")
    if Capability.ADD_RECORDS in allowed:
        words.append("adds records")
    return ", ".join(words) or "—"


def policy_table() -> str:
    """The policy as a Markdown table: one row per phase, one column per relation."""
    relations = list(Relation)
    lines = [
        "| phase | " + " | ".join(WHO[relation] for relation in relations) + " |",
        "| --- |" + " --- |" * len(relations),
    ]
    for status in PHASES:
        cells = " | ".join(access_in(relation, status) for relation in relations)
        lines.append(f"| {status.label} (`{status}`) | {cells} |")
    return "\n".join(lines)
