"""Form drafts kept across the idle sign-out: just before it signs someone out, the page posts
each form marked `data-save-draft` with `_action=save-draft`; the view stores what was typed,
as typed (no validation can lose it), and shows it again in the form when they come back."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.accounts.models import User
from secondopinion.audit.services import record_event
from secondopinion.prepared import Prepared

from .models import Case, FormDraft

SAVE_DRAFT = "save-draft"
# Fields that are not the user's typing.
_NOT_TYPED = {"csrfmiddlewaretoken", "_action", "save", "submit"}
# A draft is text someone typed: more than this is not a draft.
MAX_DRAFT_CHARS = 200_000
RESTORED = _("We kept what you had typed before you were signed out. Check it, then save it.")


def wants_draft_saved(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("_action") == SAVE_DRAFT


def save_form_draft(*, case: Case, by: User, form: str, data: QueryDict) -> FormDraft | None:
    """Store what `by` typed in `form` on `case` (replacing an earlier draft). Too much is
    refused (None)."""
    typed = {key: data.getlist(key) for key in data if key not in _NOT_TYPED}
    if sum(len(value) for values in typed.values() for value in values) > MAX_DRAFT_CHARS:
        return None
    draft, _created = FormDraft.objects.update_or_create(
        case=case, user=by, form=form, defaults={"data": typed}
    )
    record_event(actor=by, action="draft.save", obj=draft, case_id=case.pk, detail={"form": form})
    return draft


def save_draft_response(
    request: AuthenticatedHttpRequest, *, case: Case, form: str
) -> HttpResponse:
    """The answer to the idle script's save-draft POST (it reads no body)."""
    saved = save_form_draft(case=case, by=request.user, form=form, data=request.POST)
    return HttpResponse(status=204 if saved else 413)


# Compiled once (secondopinion.prepared): every form a draft may be kept for asks on each GET.
_DRAFT = Prepared(
    lambda shape, *, case_id, user_id, form: FormDraft.objects.filter(
        case_id=case_id, user_id=user_id, form=form
    ).order_by("pk")[:1]
)


def restored_draft(request: AuthenticatedHttpRequest, *, case: Case, form: str) -> dict | None:
    """On showing a form: the draft kept for it, as the form's initial values (and a message
    saying so), or None."""
    if request.method != "GET":
        return None
    found = _DRAFT.run(None, case_id=case.pk, user_id=request.user.pk, form=form)
    if not found:
        return None
    draft = found[0]
    messages.info(request, RESTORED)
    return {key: values if len(values) > 1 else values[0] for key, values in draft.data.items()}


def discard_form_draft(*, case: Case, user, form: str) -> None:
    """The form was saved for real: its draft is no longer needed."""
    FormDraft.objects.filter(case=case, user=user, form=form).delete()


def forget_old_form_drafts() -> int:
    """Drop drafts nobody came back to within FORM_DRAFT_DAYS: typed health information should
    not outlive its purpose. Returns how many were dropped."""
    cutoff = timezone.now() - timedelta(days=settings.FORM_DRAFT_DAYS)
    deleted, _by_model = FormDraft.objects.filter(saved_at__lt=cutoff).delete()
    return deleted
