"""Sentences our code writes down for people to read later (why a file could not be read, a step
of a case's timeline): kept as the message (marked with gettext_noop) and its parameters, so each
reader sees them in their own language when they are shown, not in the language of whoever, or
whatever worker, wrote them. The people's own words are kept apart, as they typed them."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext


@dataclass(frozen=True)
class Words:
    """A message marked with gettext_noop and its parameters (which may be Words themselves, or
    a date, written in the reader's way: "5 Jan 2027", "5 de enero de 2027")."""

    message: str
    params: dict = field(default_factory=dict)

    @classmethod
    def of(cls, label: Promise | str) -> "Words":
        """A label marked with gettext_lazy (a choice's label) as Words: its message id, read
        with no language active. (Not for pgettext_lazy: `spoken` reads no context.)"""
        with translation.override(None):
            return cls(str(label))

    def __str__(self) -> str:  # the English sentence (a date as 2027-01-05)
        params = {name: str(value) for name, value in self.params.items()}
        return self.message % params if params else self.message

    def stored(self) -> dict:
        """As kept in a JSON field."""
        return {
            "message": self.message,
            "params": {name: _stored(value) for name, value in self.params.items()},
        }


def _stored(value):
    if isinstance(value, Words):
        return value.stored()
    if isinstance(value, datetime):
        raise TypeError("Words take a day (a date), not a moment: give its local date")
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _spoken_param(value):
    if isinstance(value, dict) and "date" in value:
        return formats.date_format(date.fromisoformat(value["date"]), "DATE_FORMAT")
    return spoken(value) if isinstance(value, dict) else value


def spoken(stored: dict | None) -> str:
    """A sentence kept by Words.stored, in the active language ("" for nothing kept)."""
    if not stored:
        return ""
    params = {name: _spoken_param(value) for name, value in stored.get("params", {}).items()}
    message = gettext(stored["message"])
    return message % params if params else message
