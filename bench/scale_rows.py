"""The benchmark seeder's rows: what each generated case holds (states in the shares of a real
service, its timeline, consents, offers, opinions, messages, files, notifications, emails and
audit events) and how rows are written in bulk (COPY on PostgreSQL, batched INSERTs on SQLite).
bench/scale_data.py drives it in chunks."""

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from bench.matching_data import HOSPITALS
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
from secondopinion.accounts.models import User
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications.models import Notification, OutboundEmail
from specialists.models import ConflictDeclaration, Offer, Specialist

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


class Table:
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


def _for_sqlite(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, Decimal):
        return str(value)
    return value


class Writer:
    def __init__(self, rng: random.Random, now: datetime):
        postgresql = connection.vendor == "postgresql"
        self.tables = {model: Table(model, postgresql) for model in MODELS}
        self.next_id = {
            model: (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1 for model in MODELS
        }
        self.rng = rng
        self.now = now
        self.written = dict.fromkeys(MODELS, 0)

    def add(self, model, **values) -> int:
        if "id" not in values:
            values["id"] = self.next_id[model]
            self.next_id[model] += 1
        values["_now"] = self.now
        self.tables[model].add(values)
        return values["id"]

    def flush(self) -> None:
        with transaction.atomic():
            for model in MODELS:
                self.written[model] += self.tables[model].write()


class Generator:
    def __init__(self, *, cases: int, batch: int, seed: int):
        self.rng = random.Random(seed * 1_000_003 + batch)
        self.now = timezone.now().replace(microsecond=0)
        self.out = Writer(self.rng, self.now)
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
        # (A longer history spreads the ended cases over more years.)
        age = (
            rng.uniform(0, 25)
            if status in ACTIVE
            else rng.uniform(20, 720 * years_of_history(self.cases))
        )
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
        offer = partial(out.add, Offer, case_id=case_id, offered_by_id=coordinator)
        for _ in range(declined):
            other = rng.choice(specialists)
            if other.pk in offered_to:
                continue
            offered_to.add(other.pk)
            offer(
                specialist_id=other.pk,
                status=Offer.Status.DECLINED,
                created_at=offered_at - timedelta(days=2),
                respond_by=offered_at,
                responded_at=offered_at - timedelta(days=1),
                decline_category=rng.choice(list(Offer.DeclineReason.values)),
            )
        if open_offer_to is not None:
            offer(
                specialist_id=open_offer_to.pk,
                status=Offer.Status.OPEN,
                created_at=entered[Status.OFFERED],
                respond_by=self.now + timedelta(hours=rng.uniform(-6, 48)),
            )
        if assigned is not None:
            accepted = entered[Status.IN_REVIEW]
            offer(
                specialist_id=assigned.pk,
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


# The pace of the service the seed models: a batch of up to this many cases is about a year of
# it, in the shares above. A larger batch is a longer history at the same pace, not a busier
# service: the cases still moving (and the specialists and coordinators who move them) stay as
# many as in a year, and the rest are ended cases spread over the longer past. That is what
# "scale with history" measures: pages whose cost follows today's work stay flat, and a page
# whose cost follows the history shows it.
YEAR_OF_SERVICE = 100_000
# The states a case ends in, the history that grows with time.
HISTORY = {Status.DELIVERED, Status.CLOSED, Status.WITHDRAWN, Status.CANCELLED}


def years_of_history(cases: int) -> float:
    return max(1.0, cases / YEAR_OF_SERVICE)


def working_size(cases: int) -> int:
    """How many cases a year of the service holds (the batch's own size up to a year's)."""
    return min(cases, YEAR_OF_SERVICE)


def state_sequence(rng: random.Random, count: int, *, cases: int) -> list[str]:
    """The states of `count` cases of a batch of `cases`: a year's shares, with the live states'
    shares divided by the years of history and the ended states' grown to fill the rest (the
    same draws as a year's when the batch is a year or less)."""
    years = years_of_history(cases)
    live = sum(share for state, share in STATE_SHARES.items() if state not in HISTORY)
    ended = 100 - live
    weights = [
        share / years if state not in HISTORY else share * (100 - live / years) / ended
        for state, share in STATE_SHARES.items()
    ]
    return rng.choices(list(STATE_SHARES), weights=weights, k=count)


_NOW = object()


# Written in this order (foreign keys first).
MODELS = [
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
