"""Opinion drafts that cannot be lost: the workspace saves what the specialist types every few
seconds (as typed: no check may refuse it), with a version counter so that a second tab or
window on the same draft is told, rather than silently overwriting the first."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import Case
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError

from .models import Opinion, OpinionDraft

# A draft is what someone typed: more than this is not a draft (the opinion's own limits add up
# to about 60,000 characters).
MAX_DRAFT_CHARS = 200_000
# A save every few seconds would flood the audit log; one event per stretch of typing says who
# wrote when (the opinion's own saves and its submission are audited each time).
AUDIT_GAP = timedelta(minutes=5)


class DraftConflict(ApplicationError):
    """The draft changed since this tab read it (another tab or window saved it)."""

    def __init__(self, draft: OpinionDraft):
        saved = timezone.localtime(draft.saved_at).strftime("%H:%M")
        super().__init__(
            _(
                "This opinion was changed in another tab or window at %(time)s. Nothing you typed "
                "here is lost, but it was not saved: keep this tab's text (it replaces the other), "
                "or reload the page to see the other version."
            )
            % {"time": saved}
        )
        self.draft = draft


def draft_field_names(specialty_field_names: list[str]) -> set[str]:
    """The names a draft may hold: the opinion's answers and the specialty's fields."""
    return set(Opinion.ANSWER_FIELDS) | set(specialty_field_names)


def draft_of(case: Case) -> OpinionDraft | None:
    """The case's draft (none before anyone typed); its `version` is the one a page shows the
    form at, and its text is the reader's only when they typed it (`typed_by`)."""
    return OpinionDraft.objects.filter(case=case).first()


def refused_for(draft: OpinionDraft | None, user) -> dict:
    """The text of `user`'s save that was refused as stale, if any is kept."""
    return draft.refused if draft is not None and draft.user_id == user.pk else {}


def typed_by(draft: OpinionDraft | None, user) -> dict:
    """What `user` typed in the draft and has not saved as the opinion yet (else empty)."""
    return draft.data if draft is not None and draft.user_id == user.pk else {}


def autosave_opinion_draft(
    *, case: Case, by, data: dict[str, str], version: int, allowed: set[str]
) -> OpinionDraft:
    """Keep `data` (field name -> text as typed) as the draft, if the draft is still at
    `version`; returns the draft at its new version. A save of what the draft already holds
    changes nothing, whatever its version. A stale save raises DraftConflict, its text kept
    aside in the draft's `refused` (so a tab closed while in conflict loses nothing)."""
    draft, saved = _autosave(case=case, by=by, data=data, version=version, allowed=allowed)
    if not saved:
        raise DraftConflict(draft)
    return draft


@transaction.atomic
def _autosave(
    *, case: Case, by, data: dict[str, str], version: int, allowed: set[str]
) -> tuple[OpinionDraft, bool]:
    if not permissions.can_write_opinion(by, case):
        raise ApplicationError(_("You can only write an opinion on a case you are reviewing."))
    typed = {
        name: value for name, value in data.items() if name in allowed and isinstance(value, str)
    }
    if sum(len(value) for value in typed.values()) > MAX_DRAFT_CHARS:
        raise ApplicationError(_("This draft is too long to save."))
    # The row exists before it is locked, so two first saves cannot both create it.
    OpinionDraft.objects.get_or_create(case=case, defaults={"user": by})
    draft = OpinionDraft.objects.select_for_update().get(case=case)
    if draft.user_id != by.pk:  # the case was reassigned: the earlier reviewer's draft goes
        draft.user, draft.data, draft.refused = by, {}, {}
    elif typed == draft.data:  # nothing new: no version moves, so no other page goes stale
        return draft, True
    if version != draft.version:
        draft.refused, draft.refused_at = typed, timezone.now()
        draft.save(update_fields=["user", "data", "refused", "refused_at"])
        return draft, False
    previous = draft.saved_at
    draft.data = typed
    draft.version += 1
    draft.save()
    if draft.version == 1 or timezone.now() - previous > AUDIT_GAP:
        record_event(actor=by, action="opinion.autosave", obj=draft, case_id=case.pk)
    return draft, True


@transaction.atomic
def settle_opinion_draft(*, case: Case, by) -> None:
    """The opinion itself was saved from the form: the typed draft is in it now. The version
    still moves on, so a tab that read the earlier draft cannot overwrite the saved opinion."""
    draft = OpinionDraft.objects.select_for_update().filter(case=case).first()
    if draft is not None:
        draft.user, draft.data, draft.refused, draft.refused_at = by, {}, {}, None
        draft.version += 1
        draft.save()
