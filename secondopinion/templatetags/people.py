"""Filters for the people's own words inside our pages: a builtin library (settings.TEMPLATES)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter(is_safe=True)
def isolated(value):
    """`value` (a name, as the person wrote it) isolated for direction in `<bdi>`: a name written
    right to left (Arabic, Hebrew) or mixing scripts keeps its own order without reordering the
    words of the sentence around it, in any language's sentence."""
    if value in (None, ""):
        return value
    return format_html("<bdi>{}</bdi>", value)
