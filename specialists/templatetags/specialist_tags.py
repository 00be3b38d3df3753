"""Template tags for pages of other apps that show a specialist (the case page)."""

from django import template

from cases.models import Status

from .. import selectors

register = template.Library()

# States in which a specialist has accepted the case and the patient is told who they are.
ASSIGNED_STATES = frozenset(
    {
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
        Status.OPINION_SUBMITTED,
        Status.DELIVERED,
        Status.CLOSED,
    }
)


@register.simple_tag
def accepted_offer_for(case):
    """The accepted offer of `case` (with its specialist and screening), once the review began."""
    if case.status not in ASSIGNED_STATES or case.specialist_id is None:
        return None
    return selectors.accepted_offer_for_case(case.pk)
