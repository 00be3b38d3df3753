"""Posting to a case's message thread (with attachments, added as records of the case) and
marking it read."""

from collections.abc import Iterable

from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions, state_machine
from cases.models import Case
from records import services as record_services
from secondopinion.accounts.models import User
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import lazy_text, notify

from . import selectors
from .models import Message, MessageReadMarker


@transaction.atomic
def post_message(*, case: Case, by: User, body: str, files: Iterable[File] = ()) -> Message:
    """A message on the case; the other parties are told there is one (never what it says).

    Files come through the records pipeline (type, size, duplicate, scan) as records of the case,
    linked from the message; a file that is refused refuses the message, saying which and why.
    """
    if not permissions.can_message(by, case):
        raise ApplicationError(_("You can't send messages on this case."))
    files = list(files)
    if files and not permissions.can_add_records(by, case):
        raise ApplicationError(
            _("Only the patient's side can attach records, while the case is open."), field="file"
        )
    body = body.strip()
    if not body:
        raise ApplicationError(_("Write your message."), field="body")
    if len(body) > Message.MAX_LENGTH:
        raise ApplicationError(
            _("Your message must be %(limit_value)d characters or fewer (it has %(show_value)d).")
            % {"limit_value": Message.MAX_LENGTH, "show_value": len(body)},
            field="body",
        )
    message = Message.objects.create(case=case, author=by, body=body)
    for upload in files:
        try:
            message.attachments.add(record_services.add_record(case=case, by=by, upload=upload))
        except ApplicationError as error:
            raise ApplicationError(error.message, field="file") from error
    state_machine.audit(case, by, "message.post", message, files=len(files))
    link = reverse("messaging:case-messages", args=[case.reference])
    text = lazy_text(
        gettext_lazy("There is a new message on case %(reference)s."), reference=case.reference
    )
    if not permissions.is_owner(by, case):
        notify(user=case.owner, message=text, link=link)
    if case.specialist is not None and case.specialist.user_id != by.pk:
        notify(user=case.specialist.user, message=text, link=link)
    return message


@transaction.atomic
def read_messages(*, case: Case, by: User) -> list[Message]:
    """The case's messages for `by`, who has now read them all (audited)."""
    if not permissions.can_message(by, case):
        raise ApplicationError(_("You can't read messages on this case."))
    messages = list(selectors.messages_for(case))
    MessageReadMarker.objects.update_or_create(
        case=case, user=by, defaults={"read_up_to": timezone.now()}
    )
    state_machine.audit(case, by, "message.read", count=len(messages))
    return messages
