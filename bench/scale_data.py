"""Data at scale for the page benchmarks (`manage.py seed_scale`): N cases across every state,
with their timelines, offers, opinions, consents, coverage checks, questions, messages, record
files (metadata rows only: no file is stored), notifications, emails and audit events, and one
specialist per ten cases (matching_data's, with licences, affiliations and declared ties).

Rows are written with COPY on PostgreSQL and with batched INSERTs elsewhere. Deterministic (a
seeded random generator) and additive: each call is a new batch whose ids continue after the
largest in each table, with its own named actors whose lists grow with N, so that the same page
can be measured for a batch of 1x and one of 10x data.
"""

import math
import time
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from bench.matching_data import CASES as MATCHING_ANSWERS
from bench.matching_data import create_specialists
from bench.scale_rows import ACTIVE, MODELS, Generator, state_sequence, working_size

# Every model and service this seeder uses is imported here and nowhere else in the module: a
# model moving between apps changes only these lines.
from cases import service_levels
from cases.models import (
    Case,
    ProxyAuthority,
    Status,
)
from secondopinion.accounts.models import Role, User
from secondopinion.notifications.models import Notification
from specialists.models import ConflictDeclaration, Licence, Specialist, Specialty
from specialists.services import recount_loads

ACTOR_EMAIL = "scale-{role}-{batch}@example.org"
BENCH_CASE_TITLE = "Bench case page"
MATCHING_CASE_TITLE = "Bench matching page"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (the bench's staff actors pass the MFA check)
CHUNK = 2000  # cases generated, then written, at a time

ACTIVE |= {Status.IN_REVIEW, Status.INFO_REQUESTED, Status.OPINION_SUBMITTED, Status.DRAFT}


def per_actor(cases: int) -> int:
    """How long the named actors' lists are for a batch of `cases`: it grows with the data
    (2 at 40 cases, 25 at 10,000, 79 at 100,000), so a list page that ran one query per row
    would show a different count."""
    return max(2, round(math.sqrt(cases) / 4))


@dataclass
class Actors:
    batch: int
    patient: User
    specialist: Specialist
    coordinator: User
    case: Case  # the case page's case: in review, owned by the patient, assigned to the specialist
    matching_case: Case  # in matching, with past offers and declared conflicts
    per_actor: int


def _bench_user(email: str, role: str, name: str) -> User:
    user = User.objects.create_user(email=email, password=None, role=role, full_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if user.needs_mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user


# The named actors' list sizes: "growing" ones for the query counts, "typical" ones (a patient
# with three cases, a case with ten files, a specialist with five cases) for the page timings.
TYPICAL = "typical-"
# The heaviest: a case with 300 files and 150 messages, the busiest specialist, a patient with
# many cases; timed too, so that the worst case of each page is seen.
HEAVY = "heavy-"


def _sizes(kind: str, p: int, cases: int) -> dict[str, int]:
    if kind == HEAVY:
        sizes = {"cases": p, "records": 300, "messages": 150, "audit": 600, "declined": 5}
        # The busiest specialist's open work follows the service's pace, not its history.
        return sizes | {"work": 3 * per_actor(working_size(cases))}
    if kind == TYPICAL:
        return {"cases": 3, "records": 10, "messages": 4, "audit": 12, "declined": 2, "work": 3}
    return {
        "cases": p,
        "records": 4 * p,
        "messages": 2 * p,
        "audit": 3 * p,
        "declined": p,
        "work": p,
    }


def _actor_users(batch: int, kind: str, cases: int, now) -> tuple[User, User, Specialist]:
    """The named coordinator, patient and specialist, through the ORM (with MFA for staff)."""

    def email(role: str) -> str:
        return ACTOR_EMAIL.format(role=role, batch=f"{kind}{batch}")

    coordinator = _bench_user(
        email("coordinator"), Role.COORDINATOR, f"Scale coordinator ({cases} cases)"
    )
    patient = _bench_user(email("patient"), Role.PATIENT, "Scale Patient")
    user = _bench_user(email("specialist"), Role.SPECIALIST, "Dr Scale Specialist")
    specialist = Specialist.objects.create(user=user, max_open_cases=50)
    specialist.specialties.add(Specialty.objects.get(name="Medical oncology"))
    Licence.objects.create(
        specialist=specialist,
        jurisdiction="GB",
        number=f"SCALE-{kind}{batch}",
        expires_on=timezone.localdate() + timedelta(days=400),
        verified_at=now,
    )
    return coordinator, patient, specialist


def _actor_cases(generator, users, sizes: dict[str, int], patients: list[int], common: dict) -> int:
    """The actors' own lists: the patient's cases (the first is the case page's), the
    specialist's reviews and offers, a case in matching with past offers and declared
    conflicts, the patient's notifications. Returns how many cases that made."""
    coordinator, patient, specialist = users
    rng, out = generator.rng, generator.out
    generator.case(
        owner=patient.pk,
        status=Status.IN_REVIEW,
        specialist=specialist,
        title=BENCH_CASE_TITLE,
        records=sizes["records"],
        messages=sizes["messages"],
        audit=sizes["audit"],
        declined=min(sizes["declined"], 5),
        **common,
    )
    states = [Status.DELIVERED, Status.NEEDS_INFO, Status.DRAFT, Status.MATCHING, Status.CLOSED]
    for n in range(sizes["cases"] - 1):
        generator.case(owner=patient.pk, status=states[n % len(states)], **common)
    for _ in range(sizes["work"]):
        generator.case(
            owner=rng.choice(patients), status=Status.IN_REVIEW, specialist=specialist, **common
        )
        generator.case(
            owner=rng.choice(patients), status=Status.OFFERED, open_offer_to=specialist, **common
        )
    matching_case = generator.case(
        owner=rng.choice(patients),
        status=Status.MATCHING,
        title=MATCHING_CASE_TITLE,
        answers={k: v for k, v in MATCHING_ANSWERS["crowded"].items() if k != "title"}
        | {"excluded_doctors": "Dr B. Bench42\nDr Bench99", "question_topics": ["surgery"]},
        declined=sizes["declined"],
        **common,
    )
    for n in range(sizes["declined"]):
        out.add(
            ConflictDeclaration,
            specialist_id=rng.choice(common["specialists"]).pk,
            kind=ConflictDeclaration.Kind.PRACTICE,
            case_id=matching_case,
            declared_by_id=coordinator.pk,
            declared_at=generator.now - timedelta(hours=n),
        )
    for n in range(3 * sizes["cases"]):
        out.add(
            Notification,
            user_id=patient.pk,
            message="There is an update on your case.",
            link="/cases/",
            created_at=generator.now - timedelta(hours=n),
        )
    return sizes["cases"] + 2 * sizes["work"] + 1


SEEDING = ", seeding"  # in the growing coordinator's name while the batch is being written


def seed(*, cases: int, seed: int = 20261126, progress=None) -> Actors:
    """Write a batch of `cases` cases (and all that goes with them); return its growing actors.

    The people and the named actors are written first, then the other cases CHUNK at a time,
    each chunk in its own transaction and from its own random stream: an interrupted batch
    (its coordinator's name still says it is seeding) is resumed by `resume` from the first
    chunk not written, and ends as the uninterrupted one would."""
    batch = len(seeded_batches())
    say = progress or (lambda message: None)
    # Specialists (one per ten cases of a year's work; matching_data's numbering continues
    # across batches): the roster follows the service's pace, not its history.
    first = Specialist.objects.filter(user__email__startswith="bench-matching-").count()
    specialists = create_specialists(max(working_size(cases) // 10, 4), first=first, workload=0)
    say(f"{len(specialists)} specialists")
    now = timezone.now()
    named = {kind: _actor_users(batch, kind, cases, now) for kind in ("", TYPICAL, HEAVY)}
    User.objects.filter(pk=named[""][0].pk).update(
        full_name=f"Scale coordinator ({cases} cases{SEEDING})"
    )
    # Bulk rows from here on: their ids continue after the rows above.
    generator = Generator(cases=cases, batch=batch, seed=seed)
    first_case = generator.out.next_id[Case]
    out = generator.out
    coordinators = [
        *(users[0].pk for users in named.values()),
        *generator.users(max(3, working_size(cases) // 5000), Role.COORDINATOR, "coordinator"),
    ]
    patients = generator.users(max(cases // 2, 2), Role.PATIENT, "patient")
    # One case in twenty is opened by a caregiver, with their recorded authority.
    caregivers = [
        (caregiver, generator.authority(caregiver, n))
        for n, caregiver in enumerate(generator.users(max(cases // 40, 1), Role.CAREGIVER, "carer"))
    ]
    common = {"specialists": specialists, "coordinators": coordinators}
    made = sum(
        _actor_cases(generator, users, _sizes(kind, per_actor(cases), cases), patients, common)
        for kind, users in named.items()
    )
    out.flush()
    _chunks(generator, cases - made, 0, patients, caregivers, common, seed, say)
    return _complete(batch, cases, first_case, out, say)


def resume(*, seed: int = 20261126, progress=None) -> Actors | None:
    """Finish a batch whose seeding was interrupted (None when there is none)."""
    say = progress or (lambda message: None)
    interrupted = [(b, name) for b, name in seeded_batches() if SEEDING in name]
    if not interrupted:
        return None
    batch, name = interrupted[0]
    cases = int(name.split("(")[1].split()[0])
    generator = Generator(cases=cases, batch=batch, seed=seed)
    generator.references = set(Case.objects.values_list("reference", flat=True))
    first_case = (
        Case.objects.filter(owner__email=ACTOR_EMAIL.format(role="patient", batch=batch))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    written = Case.objects.filter(pk__gte=first_case).count()
    sizes = [_sizes(kind, per_actor(cases), cases) for kind in ("", TYPICAL, HEAVY)]
    made = sum(size["cases"] + 2 * size["work"] + 1 for size in sizes)
    done_chunks = (written - made) // CHUNK
    say(f"Resuming batch {batch}: {written:,} of {cases:,} cases were written")

    def ids(prefix: str) -> list[int]:
        rows = User.objects.filter(email__startswith=f"scale{batch}-{prefix}").order_by("pk")
        return list(rows.values_list("pk", flat=True))

    named_coordinators = User.objects.filter(
        email__in=[
            ACTOR_EMAIL.format(role="coordinator", batch=f"{kind}{batch}")
            for kind in ("", TYPICAL, HEAVY)
        ]
    ).order_by("pk")
    coordinators = [*named_coordinators.values_list("pk", flat=True), *ids("coordinator")]
    carers = ids("carer")
    authority = dict(
        ProxyAuthority.objects.filter(caregiver_id__in=carers).values_list("caregiver_id", "pk")
    )
    caregivers = [(carer, authority[carer]) for carer in carers]
    specialists = list(
        Specialist.objects.filter(user__email__startswith="bench-matching-").order_by("pk")
    )
    common = {"specialists": specialists, "coordinators": coordinators}
    remaining = cases - made
    _chunks(generator, remaining, done_chunks, ids("patient"), caregivers, common, seed, say)
    return _complete(batch, cases, first_case, generator.out, say)


def _chunks(generator, remaining, first_chunk, patients, caregivers, common, seed, say) -> None:
    """Everyone else's cases, CHUNK at a time: each chunk its own transaction and random
    stream (so a resumed batch writes what the interrupted one would have)."""
    out, rng = generator.out, generator.rng
    remaining = max(remaining, 0)
    chunks = -(-remaining // CHUNK)
    started = time.perf_counter()
    for chunk in range(first_chunk, chunks):
        rng.seed(seed * 1_000_003 + generator.batch * 10_007 + chunk)
        count = min(CHUNK, remaining - chunk * CHUNK)
        for status in state_sequence(rng, count, cases=generator.cases):
            if rng.random() < 0.05:
                caregiver, authority = rng.choice(caregivers)
                generator.case(
                    owner=caregiver,
                    status=status,
                    answers={"case_for": "someone_else", "proxy_authority_id": authority},
                    **common,
                )
            else:
                generator.case(owner=rng.choice(patients), status=status, **common)
        out.flush()
        done = chunk + 1 - first_chunk
        if done % 10 == 0 or chunk + 1 == chunks:
            elapsed = time.perf_counter() - started
            left = elapsed / done * (chunks - chunk - 1)
            say(
                f"{min((chunk + 1) * CHUNK, remaining):,} of {remaining:,} cases "
                f"({elapsed:.0f} s, about {left:.0f} s left)"
            )


def _complete(batch: int, cases: int, first_case: int, out, say) -> Actors:
    say("Due dates of open cases")
    _store_due_dates(first_case)
    _finish()
    User.objects.filter(email=ACTOR_EMAIL.format(role="coordinator", batch=batch)).update(
        full_name=f"Scale coordinator ({cases} cases)"
    )
    say(", ".join(f"{n:,} {m._meta.verbose_name_plural}" for m, n in out.written.items()))
    return actors(batch)


def _store_due_dates(first_case: int) -> None:
    """Each open case keeps its current step's due date (every transition stores it): compute
    it for the batch's cases with the function the transitions use."""
    timed = set().union(*(stage.states for stage in service_levels.STAGES))
    cases = (
        Case.objects.filter(pk__gte=first_case, status__in=timed)
        .only("id", "status")
        .prefetch_related("events")
        .order_by("pk")
    )
    changed = []
    for case in cases.iterator(chunk_size=CHUNK):
        case.step_due_on = service_levels.step_due_on(case, case.events.all())
        changed.append(case)
        if len(changed) == CHUNK:
            Case.objects.bulk_update(changed, ["step_due_on"])
            changed = []
    Case.objects.bulk_update(changed, ["step_due_on"])


def _finish() -> None:
    """Ids were chosen here, so move each table's sequence past them; store each specialist's
    open load (the services keep it; these rows went around them); refresh the statistics."""
    recount_loads()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), MODELS):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            # VACUUM too, when not inside a transaction (a test): the visibility map lets
            # index-only scans skip the heap, as on a database autovacuum keeps.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def seeded_batches() -> list[tuple[int, str]]:
    """(batch, coordinator's name) of each batch already in the database."""
    rows = User.objects.filter(email__startswith="scale-coordinator-", role=Role.COORDINATOR)
    return [
        (int(email.rsplit("-", 1)[1].split("@")[0]), name)
        for email, name in rows.filter(email__regex=r"^scale-coordinator-[0-9]+@").values_list(
            "email", "full_name"
        )
    ]


def actors(batch: int, kind: str = "") -> Actors:
    """The batch's named actors: growing lists (kind ""), or typical ones (TYPICAL)."""

    def email(role: str) -> str:
        return ACTOR_EMAIL.format(role=role, batch=f"{kind}{batch}")

    patient = User.objects.get(email=email("patient"))
    coordinator = User.objects.get(email=email("coordinator"))
    specialist = Specialist.objects.select_related("user").get(user__email=email("specialist"))
    cases = int(coordinator.full_name.split("(")[1].split()[0])
    return Actors(
        batch=batch,
        patient=patient,
        specialist=specialist,
        coordinator=coordinator,
        case=Case.objects.get(owner=patient, title=BENCH_CASE_TITLE),
        matching_case=Case.objects.filter(
            title=MATCHING_CASE_TITLE, conflict_declarations__declared_by=coordinator
        )
        .distinct()
        .get(),
        per_actor=per_actor(cases) if kind != TYPICAL else 3,
    )
