"""`Case.status` is written by the state machine and by nothing else, by construction.

Every way to write the column is guarded: assigning it (`case.status = …`, `setattr`), creating a
case in a state (`Case(status=…)`, `Case.objects.create(status=…)`, `bulk_create` of cases not in
"draft"), and writing it in bulk (`.update(status=…)`, `bulk_update(…, ["status"])`). Each raises
`CaseStatusWriteError` unless the write happens inside one of two doors, each named for who may
use it:

- `state_machine_writes()`: entered by `cases.state_machine.transition`, the one transition function;
- `seeding_case_states()`: for test fixtures and the benchmark's bulk seed, which put cases in a
  state without walking the transitions (a test checks that no application code opens it).

Loading a case from the database (`from_db`, `refresh_from_db`, a deferred field's fetch) is not
a write and is always allowed. Raw SQL is outside any ORM guard: only the benchmark's bulk seed
(bench/scale_data.py, COPY) writes cases that way. Historical models in migrations are plain.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

# Who is writing statuses now, if anyone: "state machine", "seeding", "loading" (a ContextVar, so
# that a door opened in one thread or task never opens it in another).
_writer: ContextVar[str | None] = ContextVar("case_status_writer", default=None)


class CaseStatusWriteError(RuntimeError):
    """A write of `Case.status` around the state machine: a programming error, never a user's."""


@contextmanager
def _open(writer: str) -> Iterator[None]:
    token = _writer.set(writer)
    try:
        yield
    finally:
        _writer.reset(token)


def state_machine_writes() -> Any:
    """The state machine's door: only `cases.state_machine.transition` enters it."""
    return _open("state machine")


def seeding_case_states() -> Any:
    """Test fixtures' and the benchmark seed's door: write cases in a state directly."""
    return _open("seeding")


def loading_from_database() -> Any:
    """Django filling a case from its row (used by `Case.refresh_from_db`)."""
    return _open("loading")


def begin_loading() -> Token:
    """`loading_from_database` without a context manager, for `Case.from_db`, which runs once
    a row: a generator-based context manager there costs a few microseconds a row."""
    return _writer.set("loading")


def end_loading(token: Token) -> None:
    _writer.reset(token)


def _refuse(how: str) -> None:
    raise CaseStatusWriteError(
        f"{how} was refused: a case's status changes only through the state machine "
        "(cases.services), or inside seeding_case_states() in tests and seeding."
    )


def _status_default(model) -> object:
    """The status a new case starts in (the field's default)."""
    field = model._meta.get_field("status")
    assert isinstance(field, models.Field)
    return field.get_default()


def refuse_unless_open(how: str) -> None:
    if _writer.get() is None:
        _refuse(how)


class GuardedStatus(DeferredAttribute):
    """The descriptor `Case.status` is read and written through: Django's own, with writes
    guarded. It runs for every case Django builds, so the allowed path stays a few lookups."""

    def __set__(self, instance, value) -> None:
        data = instance.__dict__
        if _writer.get() is None:
            current = data.get(self.field.attname, _UNSET)
            if current is _UNSET:
                # The first value an instance gets: the default, or a value fetched for a saved
                # case (a deferred field), is fine; anything else is a case created in a state.
                if value != self.field.default and instance._state.adding:
                    _refuse(f"Creating a case with status={value!r}")
            elif value != current:
                _refuse(f"Setting a case's status to {value!r}")
        data[self.field.attname] = value


_UNSET = object()


class CaseStatusField(models.CharField):
    """A CharField whose attribute is a GuardedStatus. Migrations see a plain CharField: the
    guard is behaviour, not schema."""

    descriptor_class = GuardedStatus

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class CaseQuerySet(models.QuerySet):
    """Cases' querysets: bulk writes refuse `status` outside the doors above."""

    def update(self, **kwargs):
        if "status" in kwargs:
            refuse_unless_open("update(status=…)")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "status" in fields:
            refuse_unless_open('bulk_update(…, ["status"])')
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs: Iterable, *args, **kwargs):
        objs = list(objs)
        default = _status_default(self.model)
        if any(obj.status != default for obj in objs):
            refuse_unless_open("bulk_create of cases not in their first state")
        return super().bulk_create(objs, *args, **kwargs)
