"""Who may do what to a case: one small function per question.

Views, templates, services and the authorization tests all ask these. Reading is also scoped at
the selector (`cases_visible_to`), so a forgotten check still ends in a 404. What each person may
see in each phase of a case is declared once, in `cases.access`; these functions read it.
"""

from django.http import Http404

from secondopinion.accounts.models import Role

from . import access, hooks
from .access import CONSENT_OPEN_STATES, Capability, Relation
from .models import Case, Status
from .selectors import cases_visible_to, is_patient_of

# Coverage is checked from submission until the case ends.
COVERAGE_CHECK_STATES = frozenset(
    set(Status) - {Status.DRAFT, Status.CLOSED, Status.WITHDRAWN, Status.CANCELLED}
)


def is_owner(user, case: Case) -> bool:
    """The user speaks for the patient on this case: the account that opened it (a caregiver's
    only while their authority stands), or the patient a caregiver opened it for."""
    if not user.is_authenticated:
        return False
    authority = case.proxy_authority
    if case.owner_id == user.pk:
        return authority is None or authority.is_active
    if authority is None:
        return False
    return is_patient_of(user, authority)


def is_coordinator(user) -> bool:
    return user.is_authenticated and user.role == Role.COORDINATOR


def is_coordinator_of(user, case: Case) -> bool:
    """`is_coordinator` in the (user, case) shape the state machine's checks take."""
    return is_coordinator(user)


def require_coordinator(user) -> None:
    """Pages only coordinators know about: anyone else gets the 404 an unknown page gives."""
    if not is_coordinator(user):
        raise Http404


def is_specialist(user) -> bool:
    return user.is_authenticated and user.role == Role.SPECIALIST


def is_patient_side(user) -> bool:
    return user.is_authenticated and user.role in (Role.PATIENT, Role.CAREGIVER)


def is_assigned_specialist(user, case: Case) -> bool:
    return (
        is_specialist(user) and case.specialist is not None and case.specialist.user_id == user.pk
    )


def has_open_offer(user, case: Case) -> bool:
    """The user is the specialist a coordinator has offered this case to, awaiting an answer."""
    return is_specialist(user) and hooks.is_offered_to(user, case)


def relation_to(user, case: Case) -> Relation:
    """How `user` stands to `case`, in the terms of the access policy."""
    if is_owner(user, case):
        return Relation.PATIENT
    if is_coordinator(user):
        return Relation.COORDINATOR
    if is_assigned_specialist(user, case):
        return Relation.ASSIGNED_SPECIALIST
    if has_open_offer(user, case):
        return Relation.OFFERED_SPECIALIST
    return Relation.NO_RELATION


def may(user, capability: Capability, case: Case) -> bool:
    """The access policy's answer for this user, this case, in its current phase."""
    return access.allows(capability, relation_to(user, case), case.status)


def can_see_offer_summary(user, case: Case) -> bool:
    """The offered specialist sees a minimal summary, enough to decide, and nothing else."""
    return is_specialist(user) and may(user, Capability.OFFER_SUMMARY, case)


def can_view_case(user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def can_edit_case(user, case: Case) -> bool:
    return is_owner(user, case) and case.status == Status.DRAFT


def can_add_records(user, case: Case) -> bool:
    return is_owner(user, case) and access.allows(
        Capability.ADD_RECORDS, Relation.PATIENT, case.status
    )


def can_take_provider_records(case: Case) -> bool:
    """A provider's link works while the case takes records and its owner still speaks for the
    patient."""
    return is_owner(case.owner, case) and access.allows(
        Capability.ADD_RECORDS, Relation.PROVIDER_LINK, case.status
    )


def can_open_shared_report(case: Case) -> bool:
    """A report share link works while the case's opinion stands delivered."""
    return access.allows(Capability.OPINION, Relation.SHARE_LINK, case.status)


def can_change_who_case_is_for(user, case: Case) -> bool:
    """Only the account that opened a draft says whom it is for (not the patient it names)."""
    return can_edit_case(user, case) and case.owner_id == user.pk


def can_see_cover_and_authority(user, case: Case) -> bool:
    """How the case is paid for and the caregiver's authority concern the patient's side and the
    coordinators, not the specialist."""
    return is_owner(user, case) or is_coordinator(user)


def can_sign_consent(user, case: Case) -> bool:
    return is_owner(user, case) and case.status in CONSENT_OPEN_STATES


def can_check_coverage(user, case: Case) -> bool:
    return is_coordinator(user) and case.status in COVERAGE_CHECK_STATES


def can_revoke_authority(user, authority) -> bool:
    """Only the patient stops a caregiver acting for them."""
    return authority.is_active and is_patient_of(user, authority)


def can_write_opinion(user, case: Case) -> bool:
    return is_assigned_specialist(user, case) and case.status == Status.IN_REVIEW


def can_read_opinion(user, case: Case) -> bool:
    """Patients read delivered opinions only; the reviewer and coordinators read drafts too."""
    return may(user, Capability.OPINION, case)


def can_see_internal_opinion_versions(user, case: Case) -> bool:
    """Versions the quality check returned are internal: only coordinators and the assigned
    specialist see them; the patient's side sees what was delivered (and its addenda)."""
    return is_coordinator(user) or is_assigned_specialist(user, case)


def can_ask_for_information(user, case: Case) -> bool:
    """The reviewing specialist asks during the review; a coordinator during triage."""
    if case.status == Status.IN_REVIEW:
        return is_assigned_specialist(user, case)
    return case.status == Status.TRIAGE and is_coordinator(user)


def can_answer_information_request(user, case: Case) -> bool:
    return is_owner(user, case) and case.status in (Status.INFO_REQUESTED, Status.NEEDS_INFO)


def can_ask_follow_up(user, case: Case) -> bool:
    """Whether to offer the follow-up form; the service checks the window and the count."""
    return is_owner(user, case) and case.status == Status.DELIVERED


def can_answer_follow_up(user, case: Case) -> bool:
    return is_assigned_specialist(user, case) and case.status in (Status.DELIVERED, Status.CLOSED)


def can_share_report(user, case: Case) -> bool:
    return is_owner(user, case) and case.status in (Status.DELIVERED, Status.CLOSED)


def can_message(user, case: Case) -> bool:
    """The patient's side, the specialist once they have accepted, and coordinators."""
    return may(user, Capability.MESSAGES, case)
