"""What the reading task says about a file for people to read later ("The PDF has no pages."):
kept in a record's metadata as English text (for the log of what happened) and as the message and
its parameters (secondopinion.words), so each reader sees it in their own language."""

from secondopinion.words import spoken


def said(metadata: dict, key: str) -> str:
    """What a record's metadata says under `key` ("unreadable", "no_preview") in the active
    language; as it was written (English) for a record read before its words were kept."""
    stored = metadata.get(f"{key}_words")
    return spoken(stored) if isinstance(stored, dict) else metadata.get(key, "")
