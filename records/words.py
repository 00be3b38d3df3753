"""Sentences the reading task writes about a file for people to read later ("The PDF has no
pages."): kept in a record's metadata as English text (for the log of what happened) and as the
message and its parameters, so each reader sees it in their own language when it is shown."""

from dataclasses import dataclass, field

from django.utils.translation import gettext


@dataclass(frozen=True)
class Words:
    """A message marked with gettext_noop and its parameters (which may be Words themselves)."""

    message: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:  # the English sentence
        params = {name: str(value) for name, value in self.params.items()}
        return self.message % params if params else self.message

    def stored(self) -> dict:
        """As kept in a record's metadata (JSON)."""
        params = {
            name: value.stored() if isinstance(value, Words) else value
            for name, value in self.params.items()
        }
        return {"message": self.message, "params": params}


def spoken(stored: dict) -> str:
    """A sentence kept by Words.stored, in the active language."""
    params = {
        name: spoken(value) if isinstance(value, dict) else value
        for name, value in stored.get("params", {}).items()
    }
    message = gettext(stored["message"])
    return message % params if params else message


def said(metadata: dict, key: str) -> str:
    """What a record's metadata says under `key` ("unreadable", "no_preview") in the active
    language; as it was written (English) for a record read before its words were kept."""
    stored = metadata.get(f"{key}_words")
    return spoken(stored) if isinstance(stored, dict) else metadata.get(key, "")
