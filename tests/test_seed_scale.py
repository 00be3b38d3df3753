"""The scale seeder (`manage.py seed_scale`) writes every kind of row, once."""

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case, CaseEvent, Status
from messaging.models import Message
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from specialists.models import Offer, Specialist


def test_seed_scale_writes_cases_in_every_state_with_what_goes_with_them(db):
    call_command("seed_scale", cases=300)

    statuses = set(Case.objects.values_list("status", flat=True).distinct())
    assert statuses == set(Status.values)
    assert Case.objects.count() == 300
    assert RecordFile.objects.count() >= 5 * 300
    assert CaseEvent.objects.count() > 300
    assert Message.objects.exists()
    assert AuditEvent.objects.count() >= 5 * 300
    assert Specialist.objects.count() == 30 + 3  # one per ten cases, and the three named ones
    assert (
        Offer.objects.filter(status=Offer.Status.OPEN).count()
        == Case.objects.filter(status=Status.OFFERED).count()
    )


def test_seed_scale_does_nothing_the_second_time_and_refuses_another_size(db):
    call_command("seed_scale", cases=40)
    call_command("seed_scale", cases=40)
    assert Case.objects.count() == 40

    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_scale", cases=80)


def test_an_interrupted_seed_is_resumed_from_its_last_written_chunk(db, monkeypatch):
    from bench import scale_data, scale_rows

    monkeypatch.setattr(scale_data, "CHUNK", 40)
    flush = scale_rows.Writer.flush
    calls = []

    def interrupted(self):
        calls.append(1)
        if len(calls) == 4:  # the people and actors, two chunks, then the power goes
            raise KeyboardInterrupt
        flush(self)

    monkeypatch.setattr(scale_rows.Writer, "flush", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("seed_scale", cases=300)
    written = Case.objects.count()
    assert 0 < written < 300
    assert "seeding" in scale_data.seeded_batches()[0][1]

    monkeypatch.setattr(scale_rows.Writer, "flush", flush)
    call_command("seed_scale", cases=300)

    assert Case.objects.count() == 300
    assert scale_data.seeded_batches()[0][1] == "Scale coordinator (300 cases)"
    assert len(set(Case.objects.values_list("reference", flat=True))) == 300
    call_command("seed_scale", cases=300)  # done: nothing more
    assert Case.objects.count() == 300


def test_a_longer_history_keeps_a_years_live_cases_and_grows_only_the_ended_ones():
    import random

    from bench.scale_rows import HISTORY, state_sequence

    def live(cases: int) -> int:
        drawn = state_sequence(random.Random(7), 200_000, cases=cases)
        return sum(state not in HISTORY for state in drawn)

    a_year, ten_years = live(100_000), live(1_000_000)
    # The same pace of work: a tenth of the share live in a batch ten times the size, so the
    # live cases are as many; every state still drawn.
    assert ten_years * 10 == pytest.approx(a_year, rel=0.05)
    assert live(40) == a_year  # a year or less: a year's shares, draw for draw
    assert set(state_sequence(random.Random(7), 20_000, cases=1_000_000)) == set(Status.values)
