"""The case page and the patient's dashboard are put together from what each app contributes.

Cases knows nothing of messages, records, offers or opinions; the apps that own them register,
from their AppConfig.ready, what the pages need:
- `annotate(...)`: a per-case value read in the same query as the case itself (an unread count,
  whether a records request exists), so a page's query count does not grow with the apps;
- `add_section(...)`: a function giving the case page's template the context of its part.
The templates include each app's partials by name.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression

from .models import Case, CaseEvent

# An annotation's expression for a given viewer (e.g. messages unread by this user).
Annotation = Callable[[Any], BaseExpression]
# A section's context: (viewer, case, the case's timeline) -> names for the template.
Section = Callable[[Any, Case, list[CaseEvent]], dict[str, Any]]


@dataclass
class _Contributions:
    page_annotations: dict[str, Annotation]
    dashboard_annotations: dict[str, Annotation]
    related: list[str]
    sections: list[Section]


_contributions = _Contributions({}, {}, [], [])


def annotated(obj: object, name: str) -> Any:
    """The value `name` a queryset annotated `obj` with (registered here, or by the selector
    that read it). AttributeError when it was not, as reading the attribute would: the type
    checker knows a model's fields only, so annotations are read through this."""
    return getattr(obj, name)


def annotate(
    name: str, expression: Annotation, *, page: bool = True, dashboard: bool = False
) -> None:
    """Give every case on the case page (and/or the dashboard) the value `name`."""
    if page:
        _contributions.page_annotations[name] = expression
    if dashboard:
        _contributions.dashboard_annotations[name] = expression


def select_related(*paths: str) -> None:
    """Read these one-to-one relations with the case on its page."""
    _contributions.related.extend(p for p in paths if p not in _contributions.related)


def add_section(section: Section) -> Section:
    """Register a part of the case page; usable as a decorator. Added once however often."""
    if section not in _contributions.sections:
        _contributions.sections.append(section)
    return section


def for_case_page(cases: QuerySet[Case], user) -> QuerySet[Case]:
    """`cases` carrying what the apps' parts of the case page read with the case."""
    annotations = {name: make(user) for name, make in _contributions.page_annotations.items()}
    return cases.select_related(*_contributions.related).annotate(**annotations)


def for_dashboard(cases: QuerySet[Case], user) -> QuerySet[Case]:
    """`cases` carrying what the apps add to the patient's dashboard rows."""
    annotations = {name: make(user) for name, make in _contributions.dashboard_annotations.items()}
    return cases.annotate(**annotations)


def sections_context(user, case: Case, timeline: list[CaseEvent]) -> dict[str, Any]:
    """Every app's context for its part of the case page."""
    context: dict[str, Any] = {}
    for section in _contributions.sections:
        context |= section(user, case, timeline)
    return context
