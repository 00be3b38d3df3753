"""Who may see or do what after the opinion: one small function per question. The patient's
decision, questions and check-ins are private to the patient's side and the coordinators."""

from cases import access as case_access
from cases import permissions as case_permissions
from cases import selectors as case_selectors
from cases.models import Case, Status
from review import selectors as review_selectors

from .models import Moment

# Before the opinion is read: from submission until it is delivered (not after an early end).
BEFORE_STATES = (
    case_access.SUBMITTED_ON - case_access.DELIVERED_ON - {Status.WITHDRAWN, Status.CANCELLED}
)


def opinion_delivered(case: Case) -> bool:
    return case.status in review_selectors.OPINION_READABLE_STATES and (
        review_selectors.opinion_for(case) is not None
    )


def can_see_after_page(user, case: Case) -> bool:
    """The side-by-side page: the patient's side and coordinators, once the opinion is delivered."""
    allowed = case_permissions.is_owner(user, case) or case_permissions.is_coordinator(user)
    return allowed and opinion_delivered(case)


def can_add_question(user, case: Case) -> bool:
    return case_permissions.is_owner(user, case) and opinion_delivered(case)


def can_record_decision(user, case: Case, moment: str) -> bool:
    if not case_permissions.is_owner(user, case):
        return False
    if moment == Moment.BEFORE:
        return case.status in BEFORE_STATES
    return moment == Moment.AFTER and opinion_delivered(case)


def follow_up_allowed(case: Case) -> bool:
    """Follow-up goes on while the opinion stands, consent is not withdrawn and the patient has
    not declined it (the choice itself is checked by the caller, who has it loaded)."""
    return opinion_delivered(case) and case_selectors.consent_for(case) is not None


def can_change_follow_up_choice(user, case: Case) -> bool:
    return case_permissions.is_owner(user, case) and opinion_delivered(case)
