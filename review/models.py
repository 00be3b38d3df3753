"""The review: the specialist's opinion and its quality check, the PDF reports, the questions
the specialist (or a coordinator in triage) asks the patient, follow-up questions and report shares."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from records.models import RecordFile
from specialists.models import Specialty


class TreatmentSupport(models.TextChoices):
    YES = "yes", _("Yes, the proposed treatment is supported")
    PARTLY = "partly", _("Partly: some of it is supported")
    NO = "no", _("No, the proposed treatment is not supported")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class OpinionUrgency(models.TextChoices):
    ROUTINE = "routine", _("Routine: at the next planned appointment")
    SOON = "soon", _("Soon: within the next few weeks")
    URGENT = "urgent", _("Urgent: within days")


class Opinion(models.Model):
    class Relation(models.TextChoices):
        AGREE = "agree", _("Agrees with the original diagnosis")
        REFINE = "refine", _("Refines the original diagnosis")
        CHANGE = "change", _("Changes the original diagnosis")
        CANNOT_DETERMINE = "cannot_determine", _("Cannot determine from the records")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="opinion")
    author = models.ForeignKey(
        "specialists.Specialist", on_delete=models.PROTECT, related_name="opinions"
    )
    relation = models.CharField(
        _("How does your opinion relate to the original diagnosis?"),
        max_length=20,
        choices=Relation.choices,
        blank=True,
    )
    diagnosis = models.TextField(_("Your diagnosis"), max_length=4000, blank=True)
    reasoning = models.TextField(_("Reasoning"), max_length=20000, blank=True)
    recommendations = models.TextField(
        _("Recommended treatment and alternatives"), max_length=20000, blank=True
    )
    plain_summary = models.TextField(_("Summary in plain language"), max_length=4000, blank=True)
    treatment_supported = models.CharField(
        _("Is the proposed treatment supported?"),
        max_length=16,
        choices=TreatmentSupport.choices,
        blank=True,
    )
    helpful_tests = models.TextField(
        _("Tests or records that would help"), max_length=4000, blank=True
    )
    clinical_trials = models.TextField(
        _("Clinical trials, if relevant"), max_length=4000, blank=True
    )
    # Up to MAX_DOCTOR_QUESTIONS, one a line: shown beside the opinion and printed in the report.
    doctor_questions = models.TextField(
        _("Questions for the patient to take to their own doctor"), max_length=2000, blank=True
    )
    urgency = models.CharField(
        _("How soon should the patient act on this opinion?"),
        max_length=16,
        choices=OpinionUrgency.choices,
        blank=True,
    )
    attested = models.BooleanField(
        _("I have no conflict of interest and this opinion is my own independent judgement"),
        default=False,
    )
    # The answers to the specialty's extra fields (SpecialtyField), in their order, each with the
    # label it had when answered so a later change to the template does not rewrite an opinion:
    # [{"field": id, "label": "TNM stage", "value": "T2 N0 M0"}, ...].
    specialty_answers = models.JSONField(default=list, blank=True)
    # Incremented on each submission; a report is rendered once per revision.
    revision = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    quality_comments = models.TextField(blank=True, max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)

    # What the specialist writes, in the form's order (the draft service accepts no other).
    ANSWER_FIELDS = (
        "relation",
        "diagnosis",
        "reasoning",
        "recommendations",
        "plain_summary",
        "treatment_supported",
        "helpful_tests",
        "clinical_trials",
        "doctor_questions",
        "urgency",
        "attested",
    )
    MAX_DOCTOR_QUESTIONS = 5
    REQUIRED_FIELDS_FOR_SUBMISSION = (
        "relation",
        "diagnosis",
        "reasoning",
        "recommendations",
        "plain_summary",
        "treatment_supported",
        "urgency",
    )

    def __str__(self) -> str:
        return f"Opinion on {self.case_id} (revision {self.revision})"

    @property
    def doctor_question_list(self) -> list[str]:
        return doctor_question_lines(self.doctor_questions)


def doctor_question_lines(text: str) -> list[str]:
    """The specialist's questions for the patient's own doctor: one a line, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def report_upload_to(report: "Report", filename: str) -> str:
    # Storage paths carry ids only, never names or health information.
    return f"reports/{report.case_id}/{secrets.token_hex(16)}.pdf"


class Report(models.Model):
    """A rendered PDF of an opinion; each revision gets its own version, all kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="reports")
    opinion_revision = models.PositiveIntegerField()
    # How many follow-up answers (addenda) the report includes: each addendum is a new version.
    addenda = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=report_upload_to, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # The attested translation printed beside the opinion (a case whose language was waived).
    translation = models.ForeignKey(
        "OpinionTranslation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "opinion_revision", "addenda"],
                condition=models.Q(translation__isnull=True),
                name="one_report_per_revision_and_addenda",
            ),
            models.UniqueConstraint(
                fields=["opinion", "opinion_revision", "addenda", "translation"],
                condition=models.Q(translation__isnull=False),
                name="one_report_per_revision_addenda_and_translation",
            ),
            models.UniqueConstraint(fields=["case", "version"], name="unique_report_version"),
        ]

    def __str__(self) -> str:
        return f"Report v{self.version} for case {self.case_id}"


class InformationRequest(models.Model):
    """A question to the patient's side from the specialist (during the review) or a coordinator
    (during triage), with the answer. Open while `answered_at` is empty; one open at a time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="information_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("Your question for the patient"), max_length=4000)
    requested_record_kind = models.CharField(
        _("A record you would like them to upload"),
        max_length=16,
        choices=RecordFile.Label.choices,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("Your answer"), max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Information request {self.pk} on case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class FollowUpQuestion(models.Model):
    """A question the patient's side asks after delivery; the specialist's answer is an addendum
    to the opinion (and a new version of the report)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("Your follow-up question"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(
        _("Your answer (an addendum to your opinion)"), max_length=20000, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Follow-up {self.pk} on case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class ReportShare(models.Model):
    """A single-use, expiring link for the patient's own doctor (or the referrer) to download
    the current report. The token derives from `nonce` and the secret key; only its SHA-256 is
    stored to find the share. (Shares made before the nonce have a random token and no nonce.)"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="report_shares")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nonce = models.CharField(max_length=64, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Report share {self.pk} on case {self.case_id}"


class SpecialtyField(models.Model):
    """An extra structured question of the opinion for cases of one specialty (a coordinator's
    template, kept as data: oncology asks the TNM stage, cardiology the ejection fraction)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Choice from a list")

    specialty = models.ForeignKey(
        Specialty, on_delete=models.CASCADE, related_name="opinion_fields"
    )
    label = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(
        blank=True, max_length=4000, help_text=_("For a choice: the options, one a line.")
    )
    required = models.BooleanField(
        default=False, help_text=_("Needed to submit the opinion (a draft may leave it empty).")
    )
    help_text = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)

    MAX_TEXT = 2000

    class Meta:
        ordering = ["specialty", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["specialty", "label"], name="one_label_per_specialty")
        ]

    def __str__(self) -> str:
        return f"{self.specialty}: {self.label}"

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def form_name(self) -> str:
        """The field's name in the opinion form and the draft."""
        return f"specialty_{self.pk}"


class OpinionDraft(models.Model):
    """What the reviewing specialist has typed in the opinion form, as typed (valid or not),
    saved every few seconds while they type. `version` goes up by one on every save: a save
    made from an older version (another tab, another window) is refused, not merged, and its
    text kept aside in `refused`."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(auto_now=True)
    # The latest save refused as stale (another tab's text), kept so that even that is not lost:
    # the workspace shows it until the opinion is saved.
    refused = models.JSONField(default=dict, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Opinion draft on case {self.case_id} (version {self.version})"


class OpinionTranslation(models.Model):
    """The opinion translated into the case's report language by a coordinator, when a language
    waiver let a specialist who does not write that language review the case. Each attestation is
    a row of its own, never edited: the translation in force is the newest one made for the
    opinion's current revision, so revising the opinion leaves it needing a new attestation."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="translations")
    opinion_revision = models.PositiveIntegerField()
    source_language = models.CharField(max_length=8)  # what the specialist wrote in
    language = models.CharField(max_length=8)  # the report language it is translated into
    diagnosis = models.TextField(max_length=4000)
    reasoning = models.TextField(max_length=20000)
    recommendations = models.TextField(max_length=20000)
    plain_summary = models.TextField(max_length=4000)
    helpful_tests = models.TextField(max_length=4000, blank=True)
    clinical_trials = models.TextField(max_length=4000, blank=True)
    doctor_questions = models.TextField(max_length=2000, blank=True)
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # How the translator is qualified, printed beside their name (e.g. "CCHI certified").
    qualification = models.CharField(max_length=200, blank=True)
    # The words the translator attested, as shown to them then, and when.
    attestation = models.TextField(max_length=1000)
    attested_at = models.DateTimeField()

    TEXT_FIELDS = (
        "diagnosis",
        "reasoning",
        "recommendations",
        "plain_summary",
        "helpful_tests",
        "clinical_trials",
        "doctor_questions",
    )

    class Meta:
        ordering = ["-attested_at", "-id"]

    def __str__(self) -> str:
        return f"Translation {self.pk} of the opinion on case {self.opinion_id}"

    @property
    def doctor_question_list(self) -> list[str]:
        return doctor_question_lines(self.doctor_questions)
