"""Querysets compiled once per process and run many times with each request's values.

Building and compiling a rich queryset (the case page's: joins, and subqueries that several apps
contribute) costs Django's ORM about 10 ms of Python on every request before the database sees
it, more than the database takes to answer. A `Prepared` query is built once per shape with
stand-in values for what changes between requests (a user's id, a case reference); its SQL is
kept, and each call runs that SQL with the call's values, through Django's own iterable, so the
rows become model instances exactly as the queryset would make them.

Nothing is trusted: a shape is built twice, with two different sets of stand-ins, and both must
give the same SQL, differing only in parameters that are stand-ins of the same name. A query
whose SQL or parameters depend on anything else (the clock, a pattern made from a value, a branch
taken on a value rather than on the shape) raises NotPreparable when first run, and must be left
as an ordinary queryset.
"""

import copy
import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet

# Values that no real row or constant holds: ids below any sequence, strings no one types.
_STAND_IN_INT = -1_987_000_000
_STAND_IN_STR = "\x1fstand-in\x1f"


class NotPreparable(Exception):
    """The queryset's SQL depends on more than its shape and its named values."""


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet  # built with the first stand-ins; never run itself
    compiler: Any  # its compiler, after as_sql() filled in the columns and their converters
    sql: str
    # Each parameter: (name, None) for a call's value, or ("", constant).
    slots: tuple[tuple[str, Any], ...]

    def run(self, values: dict[str, Any]) -> list:
        params = tuple(values[name] if name else constant for name, constant in self.slots)
        queryset = self.queryset.all()  # a copy, its own query
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[queryset.db]  # this thread's connection
        # Django's iterables ask the query for its compiler and the compiler for its SQL: both
        # answer with what was compiled, for this copy only.
        compiler.as_sql = lambda *args, **kwargs: (self.sql, params)
        queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        return list(queryset)


SHAPES_KEPT = 256  # compiled shapes kept per query, the least recently used dropped first


class Prepared[M: Model]:
    """`build(shape, **values)` returns the queryset; `run(shape, **values)` its rows.

    `shape` (hashable) is whatever changes the SQL itself, such as a role, or a value that
    changes seldom (today's date); `values` are ints or strings that only fill its parameters.
    `build` must not read the database.
    """

    def __init__(self, build: Callable[..., QuerySet[M]]):
        self._build = build
        self._compiled = functools.lru_cache(maxsize=SHAPES_KEPT)(self._compile)

    def run(self, shape: Hashable, **values: int | str) -> list[M]:
        kinds = tuple(sorted((name, type(value)) for name, value in values.items()))
        compiled = self._compiled(shape, kinds)
        return [] if compiled is None else compiled.run(values)

    def _compile(self, shape: Hashable, kinds: tuple[tuple[str, type], ...]) -> _Compiled | None:
        """The shape's SQL and where each value goes; None when it can match nothing."""
        first, second = (_stand_ins(kinds, round_) for round_ in (0, 1))
        queryset = self._build(shape, **first)
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        other = self._build(shape, **second)
        other_sql, other_params = other.query.get_compiler(using=other.db).as_sql()
        if other_sql != sql or len(other_params) != len(params):
            raise NotPreparable("Its SQL changes with the values, not only with the shape.")
        slots = []
        for position, (one, two) in enumerate(zip(params, other_params, strict=True)):
            name = _stand_in_named(one, first)
            if name and _stand_in_named(two, second) == name:
                slots.append((name, None))
            elif one == two:
                slots.append(("", one))
            else:
                raise NotPreparable(f"Parameter {position} is not a stand-in yet changes.")
        return _Compiled(queryset, compiler, sql, tuple(slots))


def _stand_in_named(param: object, stand_ins: dict[str, int | str]) -> str:
    """The name of the stand-in `param` is (the same type and value), else ""."""
    for name, value in stand_ins.items():
        if type(param) is type(value) and param == value:
            return name
    return ""


def _stand_ins(kinds: tuple[tuple[str, type], ...], round_: int) -> dict[str, int | str]:
    stand_ins: dict[str, int | str] = {}
    for number, (name, kind) in enumerate(kinds, start=round_ * 1000):
        if kind is int:
            stand_ins[name] = _STAND_IN_INT - number
        elif kind is str:
            stand_ins[name] = f"{_STAND_IN_STR}{number}"
        else:
            raise NotPreparable(f"{name} is a {kind.__name__}: only ints and strings are values.")
    return stand_ins
