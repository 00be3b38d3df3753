"""Reading a case's messages, and how many each person has not read."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from cases import permissions
from cases.models import Case
from secondopinion.accounts.models import User
from secondopinion.prepared import Prepared

from .models import Message, MessageReadMarker


def messages_for(case: Case):
    """The case's messages, each with its author and, as `files`, the records sent with it."""
    return case.messages.select_related("author").prefetch_related(
        Prefetch("attachments", to_attr="files")
    )


def _unread(case: Case, user):
    """Messages by others after the user last read the case's messages (all, if never): one
    query, the read marker a subquery."""
    read_up_to = MessageReadMarker.objects.filter(case=OuterRef("case"), user=user).values(
        "read_up_to"
    )[:1]
    return (
        case.messages.exclude(author=user)
        .filter(Q(created_at__gt=Subquery(read_up_to)) | ~Exists(read_up_to))
        .order_by()
    )


def unread_count(user) -> Coalesce:
    """As `unread_message_count`, for every case of a list in one query: a subquery per row."""
    read_up_to = MessageReadMarker.objects.filter(case=OuterRef("case"), user=user).values(
        "read_up_to"
    )[:1]
    unread = (
        Message.objects.filter(case=OuterRef("pk"))
        .exclude(author=user)
        .filter(Q(created_at__gt=Subquery(read_up_to)) | ~Exists(read_up_to))
        .order_by()
        .values("case")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def unread_message_count(case: Case, user) -> int:
    return _unread(case, user).count()


def unread_message_ids(case: Case, user) -> set[int]:
    return set(_UNREAD_IDS.run(None, case_id=case.pk, user_id=user.pk))


# Compiled once (secondopinion.prepared): the thread's page reads it on every visit.
_UNREAD_IDS = Prepared(
    lambda shape, *, case_id, user_id: _unread(Case(pk=case_id), User(pk=user_id)).values_list(
        "pk", flat=True
    )
)


def case_page_section(user, case: Case, timeline) -> dict:
    """The case page's link to the thread, with the unread count (cases.page)."""
    return {
        "can_message": permissions.can_message(user, case),
        "unread_messages": getattr(case, "unread_messages", 0),
    }
