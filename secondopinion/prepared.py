"""Querysets compiled once per process and run many times with each request's values.

Building and compiling a rich queryset (the case page's: joins, and subqueries that several apps
contribute) costs Django's ORM about 10 ms of Python on every request before the database sees
it, more than the database takes to answer. A `Prepared` query is built once per shape with
stand-in values for what changes between requests (a user's id, a case reference); its SQL is
kept, and each call runs that SQL with the call's values, through Django's own iterable, so the
rows become model instances exactly as the queryset would make them.

Nothing is trusted: a shape is built twice, with two different sets of stand-ins, and both must
give the same SQL, differing only in parameters that are stand-ins of the same name (alone, or
between a LIKE pattern's wildcards). A query whose SQL or parameters depend on anything else (the
clock, a value Django transforms, a branch taken on a value rather than on the shape) raises
NotPreparable when first run, and must be left as an ordinary queryset.
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
class _Slot:
    """Where a parameter comes from: the call's value `name`, else `constant`. With `like`, the
    value sits between a LIKE pattern's wildcards (Django's contains, startswith, endswith and
    their case-insensitive forms), escaped as Django escapes it."""

    name: str = ""
    constant: Any = None
    like: tuple[str, str] | None = None  # the wildcards before and after

    def param(self, values: dict[str, Any], connection) -> Any:
        if not self.name:
            return self.constant
        if self.like is None:
            return values[self.name]
        before, after = self.like
        return f"{before}{connection.ops.prep_for_like_query(values[self.name])}{after}"


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet  # built with the first stand-ins; never run itself
    compiler: Any  # its compiler, after as_sql() filled in the columns and their converters
    sql: str
    slots: tuple[_Slot, ...]  # one per parameter

    def run(self, values: dict[str, Any]) -> list:
        queryset = self.queryset.all()  # a copy, its own query
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[queryset.db]  # this thread's connection
        params = tuple(slot.param(values, compiler.connection) for slot in self.slots)
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
    `build` must read nothing else that can change: not the database, and not a setting or a
    module's constant (a page size: pass it in the shape), since its SQL is kept.
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
        slots = tuple(
            _slot(one, two, first, second) for one, two in zip(params, other_params, strict=True)
        )
        return _Compiled(queryset, compiler, sql, slots)


def _slot(one: Any, two: Any, first: dict[str, int | str], second: dict[str, int | str]) -> _Slot:
    """Where the parameter that was `one` in the first build and `two` in the second comes
    from: a stand-in in both, a stand-in between a LIKE pattern's wildcards in both, or the
    same constant in both."""
    for name, stand_in in first.items():
        if type(one) is type(stand_in) and one == stand_in:
            if type(two) is type(stand_in) and two == second[name]:
                return _Slot(name)
        elif isinstance(one, str) and isinstance(stand_in, str) and stand_in in one:
            before, _, after = one.partition(stand_in)
            if set(before + after) <= {"%"} and two == f"{before}{second[name]}{after}":
                return _Slot(name, like=(before, after))
    if type(one) is type(two) and one == two:
        return _Slot(constant=one)
    raise NotPreparable(f"A parameter changes between builds but is not a value: {one!r}.")


def _stand_ins(kinds: tuple[tuple[str, type], ...], round_: int) -> dict[str, int | str]:
    stand_ins: dict[str, int | str] = {}
    for number, (name, kind) in enumerate(kinds, start=round_ * 1000):
        if kind is int:
            stand_ins[name] = _STAND_IN_INT - number
        elif kind is str:
            stand_ins[name] = f"{_STAND_IN_STR}{number}\x1f"  # no stand-in holds another
        else:
            raise NotPreparable(f"{name} is a {kind.__name__}: only ints and strings are values.")
    return stand_ins
