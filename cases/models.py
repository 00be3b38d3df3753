"""Cases, their intake answers, consent, coverage and cost, and status history.

`Case.status` is assigned in exactly one place, `cases.state_machine.transition`; `cases.state`
refuses every other way to write it.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from secondopinion.files.checks import ScanStatus

from . import state
from .choices import (
    NEXT_STEP,
    STAFF_NEXT_STEP,
    STAFF_STATUS_LABEL,
    CaseFor,
    Coverage,
    QuestionTopic,
    ReportLanguage,
    ReviewType,
    Status,
    Urgency,
    YesNoNotSure,
)
from .regions import REGIONS

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read out on the phone


def new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"SO-{body[:4]}-{body[4:]}"


def not_in_future(value) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("The date must be today or in the past."), code="future")


def authority_upload_to(authority: "ProxyAuthority", filename: str) -> str:
    # The uploaded name is display text only, never part of a path.
    return f"authorities/{secrets.token_hex(16)}"


class ProxyAuthority(models.Model):
    """A caregiver's recorded authority to act for a patient, with the document that shows it.

    The patient is known by email: an account whose verified address matches sees the authority
    on their dashboard and can revoke it. A revoked authority gives the caregiver no access.
    """

    class Basis(models.TextChoices):
        PARENT = "parent", _("I am the parent or guardian of a child under 18")
        POWER_OF_ATTORNEY = "power_of_attorney", _("I hold a healthcare power of attorney")
        WRITTEN_PERMISSION = "written_permission", _("The patient has given me written permission")

    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxy_authorities"
    )
    patient_email = models.EmailField(_("The patient's email address"))
    basis = models.CharField(
        _("What gives you the authority to act for them?"), max_length=24, choices=Basis.choices
    )
    document = models.FileField(upload_to=authority_upload_to, max_length=200)
    document_name = models.CharField(max_length=255)
    document_type = models.CharField(max_length=100)
    # Scanned by clamd like any record (records.services.scan_stored_file).
    scan_status = models.CharField(
        max_length=16,
        choices=ScanStatus.choices,
        default=ScanStatus.PENDING,
        editable=False,
    )
    scanned_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "proxy authorities"
        indexes = [models.Index(fields=["patient_email"])]

    def __str__(self) -> str:
        return f"{self.caregiver} for {self.patient_email}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_downloadable(self) -> bool:
        return self.scan_status in (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)


class Case(models.Model):
    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    # The account that opened the case: the patient, or a caregiver acting for them.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    # The intake's answers. Blank while the case is a draft; submit_case checks the required ones.
    case_for = models.CharField(
        _("Who is the second opinion for?"), max_length=16, choices=CaseFor.choices, blank=True
    )
    proxy_authority = models.ForeignKey(
        ProxyAuthority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        editable=False,
    )
    patient_name = models.CharField(_("Full name"), max_length=200, blank=True)
    patient_date_of_birth = models.DateField(
        _("Date of birth"), null=True, blank=True, validators=[not_in_future]
    )
    patient_region = models.CharField(
        _("Where do they live?"), max_length=8, choices=REGIONS, blank=True
    )
    title = models.CharField(_("A short title for this request"), max_length=120, blank=True)
    diagnosis = models.TextField(_("What is the current diagnosis?"), max_length=4000, blank=True)
    diagnosis_date = models.DateField(
        _("When was it made?"), null=True, blank=True, validators=[not_in_future]
    )
    treating_doctor = models.CharField(_("Which doctor made it?"), max_length=200, blank=True)
    treating_institution = models.CharField(
        _("At which hospital or clinic?"), max_length=200, blank=True
    )
    treatment = models.TextField(
        _("What treatment has been proposed or started?"), max_length=4000, blank=True
    )
    question = models.TextField(_("Your question for the specialist"), max_length=4000, blank=True)
    question_topics = models.JSONField(
        _("What would you like to know?"), default=list, blank=True
    )  # QuestionTopic values
    medical_history = models.TextField(_("Relevant medical history"), max_length=4000, blank=True)
    medications = models.TextField(_("Current medicines"), max_length=2000, blank=True)
    allergies = models.TextField(_("Allergies"), max_length=1000, blank=True)
    report_language = models.CharField(
        _("Which language should the report be in?"),
        max_length=8,
        choices=ReportLanguage.choices,
        blank=True,
    )
    urgency = models.CharField(
        _("How soon do you need the opinion?"), max_length=16, choices=Urgency.choices, blank=True
    )
    excluded_doctors = models.TextField(
        _("Doctors who should not review this case"), max_length=2000, blank=True
    )  # one per line, read by conflict-of-interest screening
    records_to_follow = models.BooleanField(
        _("My records will follow: I have asked my doctors to send them"), default=False
    )
    review_type = models.CharField(
        _("What kind of review do you need?"), max_length=16, choices=ReviewType.choices, blank=True
    )
    coverage = models.CharField(
        _("How will you pay for the review?"), max_length=16, choices=Coverage.choices, blank=True
    )
    insurance_payer = models.CharField(_("Insurance company"), max_length=200, blank=True)
    insurance_plan = models.CharField(_("Plan name"), max_length=200, blank=True)
    insurance_member_id = models.CharField(_("Member ID"), max_length=64, blank=True)
    insurance_needs_preauthorization = models.CharField(
        _("Does your plan need pre-authorization for a second opinion?"),
        max_length=16,
        choices=YesNoNotSure.choices,
        blank=True,
    )
    # The price shown to the patient, frozen at submission (room for payment later).
    price_amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    price_currency = models.CharField(max_length=3, blank=True, editable=False)
    # Written only by the state machine: cases.state refuses any other write.
    status = state.CaseStatusField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    specialist = models.ForeignKey(
        "specialists.Specialist",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        editable=False,
    )
    # The coordinator who looks after the case (set from the queues, alone or in bulk).
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_cases",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the current step is due by its service level, as the timeline counts it (None while
    # the clock is stopped, waiting on the patient, and once no step is timed). Kept by each
    # transition, so that queues and metrics filter on a column.
    step_due_on = models.DateField(null=True, blank=True, editable=False)
    # Whether a coordinator has recorded a coverage check (kept by record_coverage_check), so
    # that the coverage queue reads a partial index instead of every insured case's checks.
    coverage_checked = models.BooleanField(default=False, editable=False)

    objects = state.CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Django's own reads and writes of related cases go through the guarded manager too.
        base_manager_name = "objects"
        indexes = [
            # The queues read this index alone (an index-only scan: the id and the specialist are
            # in it): the counts by state, a page's oldest cases first, the cases of an offer
            # about to expire, the cases of a specialty's specialists.
            models.Index(
                fields=["status", "submitted_at", "id", "specialist"], name="case_status_submitted"
            ),
            models.Index(fields=["step_due_on", "status"]),
            # The queue's payer filter lists the insurers: an index-only scan of insured cases.
            models.Index(
                fields=["insurance_payer", "status"],
                condition=models.Q(coverage="insurance"),
                name="case_insured_payer",
            ),
            models.Index(fields=["owner", "-created_at"]),
            # A specialist's cases under review: matching's load, counted per candidate.
            models.Index(fields=["specialist", "status"], name="case_specialist_status"),
            # The coverage queue: insured cases in open states with no coverage check yet.
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(
                    coverage="insurance",
                    coverage_checked=False,
                    # permissions.COVERAGE_CHECK_STATES, spelt out (the queue's own filter)
                    status__in=[
                        "submitted",
                        "triage",
                        "needs_info",
                        "matching",
                        "offered",
                        "in_review",
                        "info_requested",
                        "opinion_submitted",
                        "delivered",
                    ],
                ),
                name="case_coverage_unchecked",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        token = state.begin_loading()  # a row's status is not a write
        try:
            return super().from_db(db, field_names, values, **kwargs)
        finally:
            state.end_loading(token)

    def refresh_from_db(self, *args, **kwargs) -> None:
        with state.loading_from_database():
            super().refresh_from_db(*args, **kwargs)

    @property
    def next_step(self) -> str:
        return str(NEXT_STEP[self.status])

    # What templates ask of the state, so that no status string is spelt out in a template.
    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        return self.status == Status.WITHDRAWN

    @property
    def is_matching(self) -> bool:
        return self.status == Status.MATCHING

    @property
    def staff_next_step(self) -> str:
        return str(STAFF_NEXT_STEP[self.status])

    @property
    def staff_status_label(self) -> str:
        return str(STAFF_STATUS_LABEL[self.status])

    @property
    def urgency_label(self) -> str:
        """The urgency in a word ("Routine"), for a table row."""
        return self.get_urgency_display().split(":")[0] if self.urgency else ""

    def get_question_topics_display(self) -> list[str]:
        labels = dict(QuestionTopic.choices)
        return [str(labels.get(topic, topic)) for topic in self.question_topics]


class ConsentText(models.Model):
    """A version of the consent patients sign. Published versions are never edited: add a new one."""

    version = models.PositiveIntegerField(unique=True)
    body = models.TextField()
    # Not shown to patients until this time; the newest published version is the current one.
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Consent version {self.version}"

    def wording(self, language: str) -> tuple[str, str]:
        """(the language, the body) a reader of `language` is shown: this version's wording in
        that language when it has one, else the version as written (English)."""
        for translation in self.translations.all():
            if translation.language == language:
                return translation.language, translation.body
        return settings.LANGUAGE_CODE, self.body


class ConsentTranslation(models.Model):
    """A consent version's wording in another language: the same terms, so signing it signs the
    version. Like the version, never edited once published: a change is a new version."""

    text = models.ForeignKey(ConsentText, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["text", "language"], name="one_wording_per_language")
        ]

    def __str__(self) -> str:
        return f"Consent version {self.text.version} in {self.language}"


class Consent(models.Model):
    """A signature of one consent version for one case, by the patient or their proxy."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(max_length=200)
    # The wording the signer read (ConsentText.wording): the version's own, or its translation.
    language = models.CharField(max_length=10, blank=True)
    signed_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"Consent v{self.text_id} on case {self.case_id}"


_CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€"}


def money(amount, currency: str) -> str:
    """An amount as patients read it: $1,100.00, or 1,100.00 CHF for other currencies, with the
    active language's separators (secondopinion/formats: Spanish readers here write $1,100.00 too)."""
    separators: dict[str, str | int | None] = {
        ",": str(formats.get_format("THOUSAND_SEPARATOR")),
        ".": str(formats.get_format("DECIMAL_SEPARATOR")),
    }
    number = f"{amount:,.2f}".translate(str.maketrans(separators))
    symbol = _CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


class Price(models.Model):
    """What each kind of review costs; the price at submission is copied onto the case."""

    review_type = models.CharField(max_length=16, choices=ReviewType.choices, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, e.g. USD")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["amount"]

    def __str__(self) -> str:
        return f"{self.get_review_type_display()}: {self.display}"

    @property
    def display(self) -> str:
        return money(self.amount, self.currency)


class CoverageCheck(models.Model):
    """A coordinator's check of how the case is paid for; the newest one is current."""

    class Result(models.TextChoices):
        COVERED = "covered", _("Insurance covers the review")
        NOT_COVERED = "not_covered", _("Insurance does not cover the review")
        SELF_PAY = "self_pay", _("Self-pay confirmed")

    class PreAuthorization(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        REQUESTED = "requested", _("Requested from the insurer")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="coverage_checks")
    result = models.CharField(_("Coverage"), max_length=16, choices=Result.choices)
    preauthorization = models.CharField(
        _("Pre-authorization"), max_length=16, choices=PreAuthorization.choices
    )
    preauthorization_reference = models.CharField(
        _("Pre-authorization reference"), max_length=100, blank=True
    )
    patient_share = models.DecimalField(
        _("The patient's share of the price"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"Coverage check on case {self.case_id}: {self.result}"

    @property
    def patient_share_display(self) -> str:
        if self.patient_share is None:
            return ""
        return money(self.patient_share, self.case.price_currency or Price.currency.field.default)


class CaseEvent(models.Model):
    """One step of a case's status timeline, written by every transition."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The person's own words (a withdrawal reason, a coordinator's comments), kept as typed.
    note = models.TextField(blank=True, max_length=2000)
    # What our code said about the step ("The follow-up window ended"), as a message and its
    # parameters (secondopinion.words), shown in each reader's language; {} when it said nothing.
    note_words = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # When a case last entered a state: the queues' and metrics' per-case lookups.
            models.Index(fields=["case", "to_status", "at"], name="case_event_state_at"),
            # The deliveries alone: which cases were delivered, and when first, read without the
            # rest of the timeline (the outcome figures: 2.9 -> 1.8 s at 1,000,000 cases).
            models.Index(
                fields=["case", "at"],
                condition=models.Q(to_status=Status.DELIVERED),
                name="case_event_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} -> {self.to_status}"

    @property
    def staff_status_label(self) -> str:
        return str(STAFF_STATUS_LABEL[self.to_status])


# Referrals -------------------------------------------------------------------------------------


class FormDraft(models.Model):
    """What someone had typed in a case's form when the idle sign-out came: saved as typed
    (valid or not) and put back in the form when they return to it, then dropped once the form
    is saved. `form` names the form: "opinion", "message", or "intake:<step>"."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form = models.CharField(max_length=60)
    data = models.JSONField()
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "form"], name="one_draft_per_form")
        ]

    def __str__(self) -> str:
        return f"Draft of {self.form} on case {self.case_id}"
