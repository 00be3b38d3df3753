"""`Text`: a sentence written for a person, either a str or a lazy translation (gettext_lazy,
lazy_text) that is written in the reader's language when it is read."""

from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise as Text
else:
    Text = str | Promise

__all__ = ["Text"]
