"""Sentences our code writes down for people to read later (why a file could not be read, a step
of a case's timeline): kept as the message (marked with gettext_noop) and its parameters, so each
reader sees them in their own language when they are shown, not in the language of whoever, or
whatever worker, wrote them. The people's own words are kept apart, as they typed them."""

from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


@dataclass(frozen=True)
class Words:
    """A message marked with gettext_noop and its parameters (which may be Words themselves)."""

    message: str
    params: dict = field(default_factory=dict)

    @classmethod
    def of(cls, label: Promise | str) -> "Words":
        """A label marked with gettext_lazy (a choice's label) as Words: its message id, read
        with no language active. (Not for pgettext_lazy: `spoken` reads no context.)"""
        with translation.override(None):
            return cls(str(label))

    def __str__(self) -> str:  # the English sentence
        params = {name: str(value) for name, value in self.params.items()}
        return self.message % params if params else self.message

    def stored(self) -> dict:
        """As kept in a JSON field."""
        params = {
            name: value.stored() if isinstance(value, Words) else value
            for name, value in self.params.items()
        }
        return {"message": self.message, "params": params}


def spoken(stored: dict | None) -> str:
    """A sentence kept by Words.stored, in the active language ("" for nothing kept)."""
    if not stored:
        return ""
    params = {
        name: spoken(value) if isinstance(value, dict) else value
        for name, value in stored.get("params", {}).items()
    }
    message = gettext(stored["message"])
    return message % params if params else message
