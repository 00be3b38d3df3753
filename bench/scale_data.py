"""Data at scale for the page benchmarks (`manage.py seed_scale`): N cases across every state,
with their timelines, offers, opinions, consents, coverage checks, questions, messages, record
files (metadata rows only: no file is stored), notifications, emails and audit events, and one
specialist per ten cases (matching_data's, with licences, affiliations and declared ties).

Rows are written with COPY on PostgreSQL and with batched INSERTs elsewhere. Deterministic (a
seeded random generator) and additive: each call is a new batch whose ids continue after the
largest in each table, with its own named actors whose lists grow with N, so that the same page
can be measured for a batch of 1x and one of 10x data.
"""

import json
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from bench.matching_data import CASES as MATCHING_ANSWERS
from bench.matching_data import HOSPITALS, create_specialists

# Every model and service this seeder uses is imported here and nowhere else in the module: a
# model moving between apps changes only these lines.
from cases import service_levels
from cases.models import (
    Case,
    CaseEvent,
    Consent,
    ConsentText,
    CoverageCheck,
    ProxyAuthority,
    Status,
)
from messaging.models import Message
from records.models import RecordFile
from review.models import InformationRequest, Opinion
from secondopinion.accounts.models import Role, User
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications.models import Notification, OutboundEmail
from specialists.models import ConflictDeclaration, Licence, Offer, Specialist, Specialty
from specialists.services import recount_loads

ACTOR_EMAIL = "scale-{role}-{batch}@example.org"
BENCH_CASE_TITLE = "Bench case page"
MATCHING_CASE_TITLE = "Bench matching page"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (the bench's staff actors pass the MFA check)
CHUNK = 2000  # cases generated, then written, at a time

# How many cases are in each state (shares of 100), roughly what a year of service looks like.
STATE_SHARES = {
    Status.DRAFT: 8,
    Status.SUBMITTED: 4,
    Status.TRIAGE: 3,
    Status.NEEDS_INFO: 2,
    Status.MATCHING: 3,
    Status.OFFERED: 3,
    Status.IN_REVIEW: 8,
    Status.INFO_REQUESTED: 2,
    Status.OPINION_SUBMITTED: 2,
    Status.DELIVERED: 25,
    Status.CLOSED: 30,
    Status.WITHDRAWN: 5,
    Status.CANCELLED: 5,
}
MAIN_PATH = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.TRIAGE,
    Status.MATCHING,
    Status.OFFERED,
    Status.IN_REVIEW,
    Status.OPINION_SUBMITTED,
    Status.DELIVERED,
    Status.CLOSED,
]
WITH_SPECIALIST = {
    Status.IN_REVIEW,
    Status.INFO_REQUESTED,
    Status.OPINION_SUBMITTED,
    Status.DELIVERED,
    Status.CLOSED,
}
WITH_OPINION = {Status.OPINION_SUBMITTED, Status.DELIVERED, Status.CLOSED}
ACTIVE = {Status.SUBMITTED, Status.TRIAGE, Status.NEEDS_INFO, Status.MATCHING, Status.OFFERED}
ACTIVE |= {Status.IN_REVIEW, Status.INFO_REQUESTED, Status.OPINION_SUBMITTED, Status.DRAFT}
PAYERS = ["Aetna", "Blue Cross", "Cigna", "Humana", "Kaiser", "UnitedHealthcare", "Bupa", "AXA"]
REGIONS = ["GB-ENG", "GB-SCT", "GB-WLS", "US-CA", "US-NY", "US-TX", "US-MA", "US-FL", "US-IL"]
DIAGNOSES = [
    ("Stage II ductal carcinoma of the breast", "Surgery then chemotherapy"),
    ("Heart failure with a reduced ejection fraction", "Sacubitril and valsartan"),
    ("Non-small cell lung cancer, stage IIIA", "Chemoradiotherapy"),
    ("Multiple sclerosis, relapsing-remitting", "Ocrelizumab"),
    ("Crohn's disease of the terminal ileum", "Adalimumab"),
    ("Prostate adenocarcinoma, Gleason 3+4", "Radical prostatectomy"),
]
RECORD_TYPES = [
    ("application/pdf", "pdf", RecordFile.Label.LETTER),
    ("application/pdf", "pdf", RecordFile.Label.PATHOLOGY),
    ("application/dicom", "dcm", RecordFile.Label.IMAGING),
    ("image/jpeg", "jpg", RecordFile.Label.IMAGING),
    ("text/plain", "txt", RecordFile.Label.LAB),
]
PRICES = {
    "standard": Decimal("1100.00"),
    "imaging": Decimal("1500.00"),
    "pathology": Decimal("1500.00"),
}
AUDIT_ACTIONS = ["case.view", "case.view", "case.view", "record.download", "record.view"]


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


class _Table:
    """One model's columns, defaults and value conversion for COPY or INSERT."""

    def __init__(self, model: type[models.Model], postgresql: bool):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.columns = [field.column for field in self.fields]
        self.names = [field.attname for field in self.fields]
        self.defaults = [self._default(field) for field in self.fields]
        self.json = [isinstance(field, models.JSONField) for field in self.fields]
        self.postgresql = postgresql
        self.rows: list[tuple] = []

    @staticmethod
    def _default(field):
        if field.has_default():
            return field.get_default()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return _NOW
        return field.get_default()

    def add(self, values: dict) -> None:
        row = []
        for name, default, is_json in zip(self.names, self.defaults, self.json, strict=True):
            value = values.get(name, default)
            if value is _NOW:
                value = values["_now"]
            if is_json:
                value = json.dumps(value)
            elif not self.postgresql:
                value = _for_sqlite(value)
            row.append(value)
        self.rows.append(tuple(row))

    def write(self) -> int:
        if not self.rows:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            if self.postgresql:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (model names)
                for start in range(0, len(self.rows), 1000):
                    cursor.executemany(sql, self.rows[start : start + 1000])
        written, self.rows = len(self.rows), []
        return written


_NOW = object()


def _for_sqlite(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, Decimal):
        return str(value)
    return value


# Written in this order (foreign keys first).
_MODELS = [
    User,
    ProxyAuthority,
    Case,
    CaseEvent,
    Consent,
    CoverageCheck,
    Offer,
    Opinion,
    InformationRequest,
    ConflictDeclaration,
    Message,
    RecordFile,
    Notification,
    OutboundEmail,
    AuditEvent,
]


class _Writer:
    def __init__(self, rng: random.Random, now: datetime):
        postgresql = connection.vendor == "postgresql"
        self.tables = {model: _Table(model, postgresql) for model in _MODELS}
        self.next_id = {
            model: (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1 for model in _MODELS
        }
        self.rng = rng
        self.now = now
        self.written = dict.fromkeys(_MODELS, 0)

    def add(self, model, **values) -> int:
        if "id" not in values:
            values["id"] = self.next_id[model]
            self.next_id[model] += 1
        values["_now"] = self.now
        self.tables[model].add(values)
        return values["id"]

    def flush(self) -> None:
        with transaction.atomic():
            for model in _MODELS:
                self.written[model] += self.tables[model].write()


class _Generator:
    def __init__(self, *, cases: int, batch: int, seed: int):
        self.rng = random.Random(seed * 1_000_003 + batch)
        self.now = timezone.now().replace(microsecond=0)
        self.out = _Writer(self.rng, self.now)
        self.batch = batch
        self.cases = cases
        self.references: set[str] = set()
        self._weighted_for: list | None = None
        self._cumulative: list[float] = []
        consent = (
            ConsentText.objects.filter(published_at__lte=self.now).order_by("-version").first()
        )
        self.consent_text_id = consent.pk if consent else None
        self.password = make_password(None)

    # People ---------------------------------------------------------------------------------

    def users(self, count: int, role: str, prefix: str) -> list[int]:
        rng = self.rng
        return [
            self.out.add(
                User,
                email=f"scale{self.batch}-{prefix}{n}@example.org",
                full_name=f"{rng.choice('ABCDEFGHJKLMNPRSTW')}. {prefix.title()}{n}",
                role=role,
                password=self.password,
                date_joined=self.now - timedelta(days=rng.randint(0, 900)),
            )
            for n in range(count)
        ]

    def authority(self, caregiver: int, n: int) -> int:
        """A caregiver's authority to act for a patient (who has no account here)."""
        return self.out.add(
            ProxyAuthority,
            caregiver_id=caregiver,
            patient_email=f"scale{self.batch}-cared-for{n}@example.org",
            basis=ProxyAuthority.Basis.POWER_OF_ATTORNEY,
            document=f"authorities/{caregiver:032x}",
            document_name="power-of-attorney.pdf",
            document_type="application/pdf",
            created_at=self.now - timedelta(days=self.rng.randint(30, 900)),
            revoked_at=self.now if self.rng.random() < 0.05 else None,
        )

    # Cases ----------------------------------------------------------------------------------

    def busy_specialist(self, specialists: list[Specialist]) -> Specialist:
        """A specialist for a case, long-tailed: a few carry many cases, most carry few (the
        n-th of the list weighs 1/n^0.8)."""
        if self._weighted_for is not specialists:
            weights = [1 / (n + 1) ** 0.8 for n in range(len(specialists))]
            total, cumulative = 0.0, []
            for weight in weights:
                total += weight
                cumulative.append(total)
            self._weighted_for, self._cumulative = specialists, cumulative
        return self.rng.choices(specialists, cum_weights=self._cumulative)[0]

    def reference(self) -> str:
        alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
        while True:
            body = "".join(self.rng.choice(alphabet) for _ in range(8))
            reference = f"SO-{body[:4]}-{body[4:]}"
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def path_to(self, status: str) -> list[str]:
        rng = self.rng
        if status in MAIN_PATH:
            return MAIN_PATH[: MAIN_PATH.index(status) + 1]
        if status == Status.NEEDS_INFO:
            return [*MAIN_PATH[:3], Status.NEEDS_INFO]
        if status == Status.INFO_REQUESTED:
            return [*MAIN_PATH[:6], Status.INFO_REQUESTED]
        # withdrawn or cancelled, from an early state
        return [*MAIN_PATH[: rng.randint(2, 4)], status]

    def case(
        self,
        *,
        owner: int,
        status: str,
        specialists: list[Specialist],
        coordinators: list[int],
        specialist: Specialist | None = None,
        open_offer_to: Specialist | None = None,
        title: str = "",
        answers: dict | None = None,
        records: int | None = None,
        messages: int | None = None,
        audit: int | None = None,
        declined: int | None = None,
    ) -> int:
        rng, out = self.rng, self.out
        path = self.path_to(status)
        # The last change: recent for cases still moving, up to two years ago for ended ones.
        age = rng.uniform(0, 25) if status in ACTIVE else rng.uniform(20, 720)
        gaps = [rng.uniform(0.05, 5) for _ in path[1:]]
        times = [self.now - timedelta(days=age)]
        for gap in reversed(gaps):
            times.insert(0, times[0] - timedelta(days=gap))
        created = times[0] - timedelta(minutes=rng.randint(5, 90))
        entered = dict(zip(path, times, strict=True))
        coordinator = rng.choice(coordinators)
        diagnosis, treatment = rng.choice(DIAGNOSES)
        review_type = rng.choice(list(PRICES))
        coverage = "insurance" if rng.random() < 0.45 else "self_pay"
        assigned = None
        if status in WITH_SPECIALIST or (status == Status.OFFERED and open_offer_to is None):
            assigned = specialist or self.busy_specialist(specialists)
        if status == Status.OFFERED:
            open_offer_to, assigned = open_offer_to or assigned, None
        submitted = entered.get(Status.SUBMITTED)
        values = {
            "reference": self.reference(),
            "owner_id": owner,
            "case_for": "self",
            "patient_name": f"Patient {owner}",
            "patient_region": rng.choice(REGIONS),
            "title": title or diagnosis[:60],
            "diagnosis": diagnosis,
            "treating_doctor": f"Dr {rng.choice('ABCDEFGH')}. Treating{rng.randint(1, 500)}",
            "treating_institution": rng.choice(HOSPITALS),
            "treatment": treatment,
            "question": "Is the proposed treatment the right one?",
            "question_topics": ["treatment_options"],
            "report_language": "en",
            "urgency": rng.choice(["routine", "routine", "soon", "urgent"]),
            "review_type": review_type,
            "coverage": coverage,
            "insurance_payer": rng.choice(PAYERS) if coverage == "insurance" else "",
            "status": status,
            "specialist_id": assigned.pk if assigned else None,
            "coordinator_id": coordinator if status != Status.DRAFT else None,
            "created_at": created,
            "updated_at": times[-1],
            "submitted_at": submitted,
        }
        if submitted:
            values |= {"price_amount": PRICES[review_type], "price_currency": "USD"}
        values |= answers or {}
        # The coverage check written below, as record_coverage_check marks it on the case.
        values["coverage_checked"] = coverage == "insurance" and Status.MATCHING in entered
        case_id = out.add(Case, **values)

        # The timeline, as the services write it.
        out.add(CaseEvent, case_id=case_id, to_status=Status.DRAFT, actor_id=owner, at=created)
        for previous, current, at in zip(path, path[1:], times[1:], strict=False):
            actor = owner if current in (Status.SUBMITTED, Status.WITHDRAWN) else coordinator
            if current in (Status.IN_REVIEW, Status.OPINION_SUBMITTED, Status.INFO_REQUESTED):
                actor = (assigned or rng.choice(specialists)).user_id
            out.add(
                CaseEvent,
                case_id=case_id,
                from_status=previous,
                to_status=current,
                actor_id=actor,
                at=at,
            )
        if submitted:
            if self.consent_text_id:
                out.add(
                    Consent,
                    case_id=case_id,
                    text_id=self.consent_text_id,
                    signed_by_id=owner,
                    signed_name=f"Patient {owner}",
                    signed_at=submitted - timedelta(minutes=2),
                )
            if coverage == "insurance" and Status.MATCHING in entered:
                out.add(
                    CoverageCheck,
                    case_id=case_id,
                    result="covered",
                    preauthorization="approved",
                    checked_by_id=coordinator,
                    checked_at=entered[Status.MATCHING] - timedelta(hours=1),
                )
        # Offers: declined ones first, then the open or accepted one.
        offered_to = {
            assigned.pk if assigned else None,
            open_offer_to.pk if open_offer_to else None,
        }
        if declined is None:
            declined = 1 if Status.OFFERED in entered and rng.random() < 0.3 else 0
        offered_at = entered.get(Status.OFFERED, entered.get(Status.MATCHING, created))
        for _ in range(declined):
            other = rng.choice(specialists)
            if other.pk in offered_to:
                continue
            offered_to.add(other.pk)
            out.add(
                Offer,
                case_id=case_id,
                specialist_id=other.pk,
                offered_by_id=coordinator,
                status=Offer.Status.DECLINED,
                created_at=offered_at - timedelta(days=2),
                respond_by=offered_at,
                responded_at=offered_at - timedelta(days=1),
                decline_category=rng.choice(list(Offer.DeclineReason.values)),
            )
        if open_offer_to is not None:
            out.add(
                Offer,
                case_id=case_id,
                specialist_id=open_offer_to.pk,
                offered_by_id=coordinator,
                status=Offer.Status.OPEN,
                created_at=entered[Status.OFFERED],
                respond_by=self.now + timedelta(hours=rng.uniform(-6, 48)),
            )
        if assigned is not None:
            accepted = entered[Status.IN_REVIEW]
            out.add(
                Offer,
                case_id=case_id,
                specialist_id=assigned.pk,
                offered_by_id=coordinator,
                status=Offer.Status.ACCEPTED,
                created_at=entered[Status.OFFERED],
                respond_by=entered[Status.OFFERED] + timedelta(days=2),
                responded_at=accepted,
                attested_at=accepted,
            )
        if status in WITH_OPINION:
            out.add(
                Opinion,
                case_id=case_id,
                author_id=assigned.pk,
                relation=rng.choices(["agree", "refine", "change"], weights=[12, 66, 21])[0],
                diagnosis=diagnosis,
                reasoning="The records support a refined diagnosis.",
                recommendations="Discuss the alternatives with the treating team.",
                plain_summary="The specialist agrees with most of the plan.",
                treatment_supported="partly",
                urgency="soon",
                attested=True,
                revision=1,
                submitted_at=entered[Status.OPINION_SUBMITTED],
                updated_at=entered[Status.OPINION_SUBMITTED],
            )
        if status in (Status.NEEDS_INFO, Status.INFO_REQUESTED):
            out.add(
                InformationRequest,
                case_id=case_id,
                asked_by_id=coordinator if status == Status.NEEDS_INFO else assigned.user_id,
                question="Could you upload the latest scan report?",
                created_at=times[-1],
            )
        # Messages, record files, notifications, emails and the audit trail.
        people = [owner, coordinator] + ([assigned.user_id] if assigned else [])
        if messages is None:
            messages = rng.randint(0, 6) if submitted else 0
        for n in range(messages):
            out.add(
                Message,
                case_id=case_id,
                author_id=people[n % len(people)],
                body="Thank you, I have added the letter from my oncologist.",
                created_at=created + (times[-1] - created) * (n + 1) / (messages + 1),
            )
        for n in range(rng.randint(5, 15) if records is None else records):
            content_type, extension, label = rng.choice(RECORD_TYPES)
            out.add(
                RecordFile,
                case_id=case_id,
                file=f"records/{case_id}/{case_id:016x}{n:016x}",
                original_name=f"record-{n + 1}.{extension}",
                content_type=content_type,
                size=rng.randint(20_000, 40_000_000),
                sha256=f"{case_id:032x}{n:032x}",
                scan_status=RecordFile.ScanStatus.CLEAN,
                scanned_at=created + timedelta(minutes=n + 1),
                uploaded_by_id=owner,
                uploaded_at=created + timedelta(minutes=n),
                label=label,
                read_status=RecordFile.ReadStatus.SKIPPED,
                page_count=rng.randint(1, 30) if extension == "pdf" else None,
            )
        if submitted:
            for n, at in enumerate(times[1:3]):
                out.add(
                    Notification,
                    user_id=owner,
                    message="There is an update on your case.",
                    link="/cases/",
                    created_at=at,
                    read_at=at + timedelta(hours=3) if n or status not in ACTIVE else None,
                )
            out.add(
                OutboundEmail,
                user_id=owner,
                kind="case_update",
                key=f"scale-data:case-{case_id}",
                created_at=times[1],
                sent_at=times[1] + timedelta(seconds=2),
                attempts=1,
            )
        # The audit trail grows with what happened to the case: views at each step and message.
        if audit is None:
            audit = 2 + len(path) + messages + rng.randint(0, 3)
        for n in range(audit):
            action = rng.choice(AUDIT_ACTIONS)
            out.add(
                AuditEvent,
                actor_id=people[n % len(people)],
                action=action,
                object_type="cases.case" if action == "case.view" else "records.recordfile",
                object_id=str(case_id),
                case_id=case_id,
                at=created + (times[-1] - created) * n / 16,
                ip="10.0.0.1",
            )
        return case_id


def _state_sequence(rng: random.Random, count: int) -> list[str]:
    states = rng.choices(list(STATE_SHARES), weights=list(STATE_SHARES.values()), k=count)
    return states


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


def _sizes(kind: str, p: int) -> dict[str, int]:
    if kind == HEAVY:
        sizes = {"cases": p, "records": 300, "messages": 150, "audit": 600, "declined": 5}
        return sizes | {"work": 3 * p}
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
    # Specialists (one per ten cases; matching_data's numbering continues across batches).
    first = Specialist.objects.filter(user__email__startswith="bench-matching-").count()
    specialists = create_specialists(max(cases // 10, 4), first=first, workload=0)
    say(f"{len(specialists)} specialists")
    now = timezone.now()
    named = {kind: _actor_users(batch, kind, cases, now) for kind in ("", TYPICAL, HEAVY)}
    User.objects.filter(pk=named[""][0].pk).update(
        full_name=f"Scale coordinator ({cases} cases{SEEDING})"
    )
    # Bulk rows from here on: their ids continue after the rows above.
    generator = _Generator(cases=cases, batch=batch, seed=seed)
    first_case = generator.out.next_id[Case]
    out = generator.out
    coordinators = [
        *(users[0].pk for users in named.values()),
        *generator.users(max(3, cases // 5000), Role.COORDINATOR, "coordinator"),
    ]
    patients = generator.users(max(cases // 2, 2), Role.PATIENT, "patient")
    # One case in twenty is opened by a caregiver, with their recorded authority.
    caregivers = [
        (caregiver, generator.authority(caregiver, n))
        for n, caregiver in enumerate(generator.users(max(cases // 40, 1), Role.CAREGIVER, "carer"))
    ]
    common = {"specialists": specialists, "coordinators": coordinators}
    made = sum(
        _actor_cases(generator, users, _sizes(kind, per_actor(cases)), patients, common)
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
    generator = _Generator(cases=cases, batch=batch, seed=seed)
    generator.references = set(Case.objects.values_list("reference", flat=True))
    first_case = (
        Case.objects.filter(owner__email=ACTOR_EMAIL.format(role="patient", batch=batch))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    written = Case.objects.filter(pk__gte=first_case).count()
    made = sum(
        _sizes(kind, per_actor(cases))["cases"] + 2 * _sizes(kind, per_actor(cases))["work"] + 1
        for kind in ("", TYPICAL, HEAVY)
    )
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
        for status in _state_sequence(rng, count):
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
        for sql in connection.ops.sequence_reset_sql(no_style(), _MODELS):
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
