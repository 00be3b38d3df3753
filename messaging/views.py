"""A case's message thread: reading it marks it read; the form sends one."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cases import drafts, permissions
from cases.case_views import case_form, visible_case
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.forms import posted

from . import selectors, services
from .forms import MessageForm
from .rows import message_items


@login_required
@require_http_methods(["GET", "POST"])
def case_messages(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The case's messages, read by opening this page, and a form to send one."""
    case = visible_case(request, reference)
    if not permissions.can_message(request.user, case):
        raise Http404
    if drafts.wants_draft_saved(request):
        return drafts.save_draft_response(request, case=case, form="message")

    def send(data: dict) -> None:
        services.post_message(
            case=case, by=request.user, body=data["body"], files=data.get("file") or []
        )
        drafts.discard_form_draft(case=case, user=request.user, form="message")

    return case_form(
        request,
        case,
        MessageForm(
            posted(request),
            request.FILES or None,
            can_attach=permissions.can_add_records(request.user, case),
            initial=drafts.restored_draft(request, case=case, form="message"),
        ),
        save=send,
        success=_("Your message is sent."),
        template="messaging/case_messages.html",
        redirect_to="messaging:case-messages",
        audit_read=False,  # listing the messages audits each one read
        audience=_("the patient, the specialist reviewing the case and our coordinators"),
        shown=lambda: _messages_shown(case, request.user),
    )


def _messages_shown(case, user) -> dict:
    # The unread ones are taken before listing the messages marks them read, so they stand out.
    unread_ids = selectors.unread_message_ids(case, user)
    case_messages = services.read_messages(case=case, by=user)
    return {
        "case_messages": case_messages,
        "message_items": message_items(case_messages, unread_ids=unread_ids),
    }
