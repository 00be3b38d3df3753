"""The metrics page's figures of the newest snapshot, read once per process for each snapshot
and choice of outcome filters, and its tables rendered once per process for each snapshot and
language: a snapshot is written every few minutes and never changed, the page is opened far
more often, and cutting its figures out of the snapshot's JSON (about 100 KB) took the database
7 ms and Python 4 more on every request, rendering its tables about 6 ms more. Shared by every
request: read them, never change them."""

from collections.abc import Callable

from django.db import connection
from django.db.models import JSONField
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString

from .models import MetricsSnapshot

_read: dict[tuple, tuple] = {}
_rendered: dict[tuple, SafeString] = {}
KEPT = 64  # snapshots and choices (or languages) kept: past that, all are dropped and made again


def forget() -> None:
    """Drop the figures read and the tables rendered so far (tests: a rolled-back snapshot's id
    may come back)."""
    _read.clear()
    _rendered.clear()


def tables(snapshot: tuple, language: str, render: Callable[[], SafeString]) -> SafeString:
    """The page's tables of `snapshot` (its (id, computed_at), `figures["snapshot"]`) in
    `language`, from `render` the first time."""
    key = (*snapshot, language)
    if (html := _rendered.get(key)) is None:
        if len(_rendered) >= KEPT:
            _rendered.clear()
        html = _rendered[key] = render()
    return html


def newest(path: list[str]) -> tuple | None:
    """((id, computed_at), computed_at, the page's figures, the outcome counts at `path`) of the
    newest snapshot."""
    snapshots = MetricsSnapshot.objects.order_by("-computed_at")
    head = snapshots.values_list("pk", "computed_at").first()
    if head is None:
        return None
    key = (*head, tuple(path))
    if (snapshot := _read.get(key)) is None:
        snapshot = (
            snapshots.filter(pk=head[0])
            .annotate(
                page_figures=RawSQL(  # noqa: S611 (a constant expression, no input)
                    _PAGE_FIGURES[connection.vendor], [], output_field=JSONField()
                ),
                chosen_counts=RawSQL(  # noqa: S611 (the path is a parameter)
                    _CHOSEN_COUNTS[connection.vendor],
                    [_json_path(path, connection.vendor)],
                    output_field=JSONField(),
                ),
            )
            .values_list("computed_at", "page_figures", "chosen_counts")
            .first()
        )
        if snapshot is None:  # deleted by a newer one's refresh in between
            return None
        if len(_read) >= KEPT:
            _read.clear()
        _read[key] = snapshot
    return (head, *snapshot)


# The snapshot's figures without every specialist's load and every quarter's outcomes, read by
# the database (the keys are dropped before the JSON leaves it); and the outcome counts of the
# one choice a page shows.
_PAGE_FIGURES = {
    "postgresql": "(figures - 'load') #- '{outcomes,by_quarter}'",
    "sqlite": "json_remove(figures, '$.load', '$.outcomes.by_quarter')",
}
_CHOSEN_COUNTS = {
    "postgresql": "outcome_counts #> %s",
    "sqlite": "json_extract(outcome_counts, %s)",
}


def _json_path(keys: list[str], vendor: str) -> list[str] | str:
    """`keys` as PostgreSQL's array of keys, or as SQLite's JSON path."""
    if vendor == "postgresql":
        return keys
    return "$" + "".join(f'."{key}"' for key in keys)
