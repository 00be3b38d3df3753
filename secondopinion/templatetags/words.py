"""The `spoken` filter: a sentence our code kept as Words (secondopinion.words), in the reader's
language. A builtin library (settings.TEMPLATES), as any app's page may show one."""

from django import template

from secondopinion.words import spoken as spoken_words

register = template.Library()


@register.filter
def spoken(stored: dict | None) -> str:
    """`{{ event.note_words|spoken }}`: the kept message and its parameters, translated now."""
    return spoken_words(stored if isinstance(stored, dict) else None)
