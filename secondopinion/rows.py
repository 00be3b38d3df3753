"""Helpers for the tables whose rows are written in Python rather than included as a template
once per row (records.rows, backoffice.rows, messaging.rows): there a row cost about 0.3 ms, most
of it the template engine resolving each variable, filter and tag.

A table reverses each of its links once and works out a value shared by many rows (a day, a
status label) once."""

from collections.abc import Callable, Hashable
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

# What reverse() leaves unquoted in a path (django.urls.resolvers), less the slash: a value with
# a slash, which reverse() would refuse for one part of a path, is quoted and leads nowhere.
_SAFE_IN_PATH = "!$&'()*+,;=~:@"


def url_for_any(name: str, sample: int | str = 0) -> Callable[[int | str], str]:
    """The URL named `name` for any value of its one argument, reversed once (reverse() costs
    about 25 µs, and a table has a link or two a row). The argument sits between two slashes,
    quoted as reverse() quotes it."""
    head, found, tail = reverse(name, args=[sample]).rpartition(f"/{sample}/")
    if not found:
        raise ValueError(f"{name}: its argument is not a whole part of its path")
    return lambda value: f"{head}/{quote(str(value), safe=_SAFE_IN_PATH)}/{tail}"


class Once:
    """Values a table shows on many rows, each worked out and escaped once."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, Hashable], SafeString] = {}

    def __call__(self, kind: str, key: Hashable, make: Callable[[], object]) -> SafeString:
        if (kind, key) not in self._known:
            self._known[kind, key] = escape(make())
        return self._known[kind, key]
