"""Changes a person makes to their own account (allauth handles passwords, emails and MFA)."""

from django.db import transaction
from django.utils.translation import gettext as _

from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.languages import supported_language

from .models import User


@transaction.atomic
def change_full_name(*, user: User, full_name: str) -> User:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ApplicationError(_("Enter your full name."), field="full_name")
    if full_name != user.full_name:
        user.full_name = full_name
        user.save(update_fields=["full_name"])
        # The name itself stays out of the audit log; the event says that it changed.
        record_event(actor=user, action="account.name_change", obj=user)
    return user


@transaction.atomic
def change_language(*, user: User, language: str) -> User:
    """Keep `language` (one of settings.LANGUAGES) on the account: the pages and the emails the
    person gets from now on are in it."""
    if supported_language(language) != language:
        raise ApplicationError(_("Choose a language from the list."), field="language")
    if language != user.language:
        user.language = language
        user.save(update_fields=["language"])
        record_event(
            actor=user, action="account.language_change", obj=user, detail={"language": language}
        )
    return user
