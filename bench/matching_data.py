"""The data the matching benchmark ranks: 10,000 specialists with their licences, affiliations,
languages, declared relationships and workload, written with bulk_create (once per database).

Deterministic (a seeded random generator), so each run ranks the same people.
"""

import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, Status
from cases.state import seeding_case_states
from secondopinion.accounts.models import Role, User
from specialists.models import (
    Affiliation,
    FinancialRelationship,
    Licence,
    Specialist,
    SpecialistLanguage,
    Specialty,
    UnavailablePeriod,
)
from specialists.services import recount_loads

SPECIALISTS = 10_000
EMAIL = "bench-matching-{n}@example.org"
REGIONS = ["GB", "GB-ENG", "GB-SCT", "US-CA", "US-NY", "US-TX", "US-MA", "US-FL", "US-IL", "US-WA"]
HOSPITALS = [
    f"{town} {kind}"
    for town in (
        "Abbey",
        "Bridge",
        "Castle",
        "Dale",
        "Elm",
        "Fern",
        "Glen",
        "Harbour",
        "Isle",
        "Juniper",
        "King's",
        "Lake",
        "Mill",
        "North",
        "Oak",
        "Park",
        "Queen's",
        "River",
        "Stone",
        "Tower",
    )
    for kind in ("General Hospital", "University Hospital", "Cancer Centre", "Medical Centre")
]
COMPANIES = [
    ("Roche", "Herceptin\nPerjeta\nKadcyla"),
    ("Novartis", "Kisqali\nTabrecta"),
    ("Pfizer Inc.", "Ibrance\nLorbrena"),
    ("AstraZeneca", "Enhertu\nLynparza"),
    ("Merck", "Keytruda"),
]


def _chunks(rows: list, size: int = 2000):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def seed_specialists() -> None:
    """Create the benchmark's specialists unless the database already has them, then refresh
    the planner's statistics (a bulk load leaves them stale)."""
    if not User.objects.filter(email=EMAIL.format(n=SPECIALISTS - 1)).exists():
        # A scale seed below 100,000 cases wrote fewer (one per ten cases): add the rest.
        first = User.objects.filter(email__startswith=EMAIL.split("{")[0]).count()
        create_specialists(SPECIALISTS - first, first=first)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@transaction.atomic
def create_specialists(
    count: int, *, first: int = 0, workload: int | None = None
) -> list[Specialist]:
    """`count` specialists numbered from `first` (so that several batches can share a database),
    and `workload` cases under review spread over them (3,000 per 10,000 unless given)."""
    rng = random.Random(20261126 + first)
    today = timezone.localdate()
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=EMAIL.format(n=n),
                full_name=f"Dr {rng.choice('ABCDEFGHJKLMNPRSTW')}. Bench{n}",
                role=Role.SPECIALIST,
                password=password,
            )
            for n in range(first, first + count)
        ],
        batch_size=2000,
    )
    # One in ten has no verified licence (verification is derived from the licences). The random
    # draws keep their order, so the seeded data stays what it was when the flag was stored.
    unverified: set[int] = set()

    def profile(user: User) -> Specialist:
        specialist = Specialist(
            user=user,
            institution=rng.choice(HOSPITALS),
            expertise=rng.choice(["Breast cancer surgery", "Heart failure", "Lung cancer", ""]),
            max_open_cases=rng.randint(2, 8),
            typical_turnaround_days=rng.randint(3, 21),
            preferred_topics=rng.sample(["surgery", "treatment_options", "clinical_trials"], 1),
        )
        if not rng.random() < 0.9:
            unverified.add(user.pk)
        return specialist

    specialists = Specialist.objects.bulk_create([profile(user) for user in users], batch_size=2000)
    parents = list(Specialty.objects.filter(parent__isnull=True))
    subs = list(Specialty.objects.filter(parent__isnull=False))
    oncology = Specialty.objects.get(name="Medical oncology")
    through = Specialist.specialties.through
    links, licences, affiliations, languages, relationships, away = [], [], [], [], [], []
    for specialist in specialists:
        # A third are oncologists: a crowded specialty makes the benchmark's case a hard one.
        specialty = oncology if rng.random() < 0.33 else rng.choice(parents)
        links.append(through(specialist=specialist, specialty=specialty))
        children = [s for s in subs if s.parent_id == specialty.pk]
        if children and rng.random() < 0.5:
            links.append(through(specialist=specialist, specialty=rng.choice(children)))
        for region in rng.sample(REGIONS, rng.randint(1, 2)):
            licences.append(
                Licence(
                    specialist=specialist,
                    jurisdiction=region,
                    number=f"L{specialist.pk}-{region}",
                    expires_on=today + timedelta(days=rng.randint(-60, 900)),
                    verified_at=timezone.now()
                    if rng.random() < 0.95 and specialist.user_id not in unverified
                    else None,
                )
            )
        for _ in range(rng.randint(1, 3)):
            start = rng.randint(1990, today.year - 1)
            affiliations.append(
                Affiliation(
                    specialist=specialist,
                    institution=rng.choice(HOSPITALS),
                    start_year=start,
                    end_year=rng.choice([None, min(start + rng.randint(1, 10), today.year)]),
                )
            )
        languages.append(SpecialistLanguage(specialist=specialist, language="en"))
        if rng.random() < 0.2:
            languages.append(
                SpecialistLanguage(specialist=specialist, language=rng.choice(["es", "fr", "de"]))
            )
        if rng.random() < 0.15:
            company, products = rng.choice(COMPANIES)
            relationships.append(
                FinancialRelationship(
                    specialist=specialist,
                    company=company,
                    kind=FinancialRelationship.Kind.CONSULTING,
                    products=products,
                )
            )
        if rng.random() < 0.05:
            away.append(
                UnavailablePeriod(
                    specialist=specialist,
                    starts_on=today - timedelta(days=2),
                    ends_on=today + timedelta(days=rng.randint(1, 20)),
                )
            )
    for model_rows in (links, licences, affiliations, languages, relationships, away):
        for chunk in _chunks(model_rows):
            type(chunk[0]).objects.bulk_create(chunk)
    # A workload: cases under review spread over the specialists.
    workload = 3000 * count // SPECIALISTS if workload is None else workload
    if not workload:
        return specialists
    owner, _ = User.objects.get_or_create(email="bench-patient@example.org", role=Role.PATIENT)
    with seeding_case_states():  # cases written in review directly, around the transitions
        Case.objects.bulk_create(
            [
                Case(
                    owner=owner,
                    title="Benchmark workload",
                    status=Status.IN_REVIEW,
                    specialist=rng.choice(specialists),
                )
                for _ in range(workload)
            ],
            batch_size=1000,
        )

    recount_loads()
    return specialists


# The two cases ranked: a crowded one (oncology, a third of everyone, in England, where a quarter
# hold a licence: ~800 pass the filters) and a typical one (heart failure in Texas: ~40 do).
CASES = {
    "crowded": {
        "title": "Benchmark matching case",
        "diagnosis": "Stage II HER2-positive ductal carcinoma of the breast",
        "question": "Is surgery needed before chemotherapy?",
        "treatment": "Six cycles of trastuzumab (Herceptin) and pertuzumab, then surgery",
        "patient_region": "GB-ENG",
    },
    "typical": {
        "title": "Benchmark matching case, typical",
        "diagnosis": "Heart failure with a reduced ejection fraction",
        "question": "Should I have a defibrillator fitted?",
        "treatment": "Sacubitril and valsartan (Entresto), then a device",
        "patient_region": "US-TX",
    },
}


def matching_case(kind: str = "crowded") -> Case:
    """The case the benchmark ranks for, with every screening input (written once, then
    reused, so that each run ranks the same case)."""
    owner, _ = User.objects.get_or_create(email="bench-patient@example.org", role=Role.PATIENT)
    answers = CASES[kind]
    existing = Case.objects.filter(owner=owner, title=answers["title"]).first()
    if existing is not None:
        return existing
    case = Case.objects.create(
        owner=owner,
        treating_doctor="Dr A. Bench17",
        treating_institution=HOSPITALS[5],
        excluded_doctors="Dr B. Bench42\nDr Bench99",
        report_language="es",
        question_topics=["surgery"],
        **answers,
    )
    with seeding_case_states():
        Case.objects.filter(pk=case.pk).update(status=Status.MATCHING)
    return Case.objects.get(pk=case.pk)
