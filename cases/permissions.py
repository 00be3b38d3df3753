"""Who may do what to a case: one small function per question.

Views, templates, services and the authorization tests all ask these. Reading is also scoped at
the selector (`cases_visible_to`), so a forgotten check still ends in a 404.
"""

from secondopinion.accounts.models import Role

from .models import Case, Status

# States in which the patient's side may still add records.
RECORDS_OPEN_STATES = frozenset(
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


def is_owner(user, case: Case) -> bool:
    return user.is_authenticated and case.owner_id == user.pk


def is_coordinator(user) -> bool:
    return user.is_authenticated and user.role == Role.COORDINATOR


def is_specialist(user) -> bool:
    return user.is_authenticated and user.role == Role.SPECIALIST


def is_patient_side(user) -> bool:
    return user.is_authenticated and user.role in (Role.PATIENT, Role.CAREGIVER)


def is_assigned_specialist(user, case: Case) -> bool:
    return (
        is_specialist(user)
        and case.specialist_id is not None
        and case.specialist.user_id == user.pk
    )


def has_open_offer(user, case: Case) -> bool:
    """The user is the specialist a coordinator has offered this case to, awaiting an answer."""
    from specialists.selectors import open_offer_for_case

    offer = open_offer_for_case(case.pk) if is_specialist(user) else None
    return offer is not None and offer.specialist.user_id == user.pk


def can_view_case(user, case: Case) -> bool:
    from .selectors import cases_visible_to

    return cases_visible_to(user).filter(pk=case.pk).exists()


def can_edit_case(user, case: Case) -> bool:
    return is_owner(user, case) and case.status == Status.DRAFT


def can_add_records(user, case: Case) -> bool:
    return is_owner(user, case) and case.status in RECORDS_OPEN_STATES


def can_write_opinion(user, case: Case) -> bool:
    return is_assigned_specialist(user, case) and case.status == Status.IN_REVIEW


def can_read_opinion(user, case: Case) -> bool:
    if is_owner(user, case):
        return case.status in (Status.DELIVERED, Status.CLOSED)
    return is_coordinator(user) or is_assigned_specialist(user, case)
