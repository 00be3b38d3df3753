"""The words of a case, as choices: its states (and what each means to the patient and to staff),
and the intake's closed questions. Views, forms and other apps read these without the models."""

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    TRIAGE = "triage", "In triage"
    NEEDS_INFO = "needs_info", "Needs information from you"
    MATCHING = "matching", "Finding a specialist"
    OFFERED = "offered", "Offered to a specialist"
    IN_REVIEW = "in_review", "Specialist reviewing"
    INFO_REQUESTED = "info_requested", "Specialist asked a question"
    OPINION_SUBMITTED = "opinion_submitted", "Opinion in quality check"
    DELIVERED = "delivered", "Opinion delivered"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Cancelled"


# What happens next, in the patient's words, shown under the status on the case page.
NEXT_STEP: dict[str, str] = {
    Status.DRAFT: "Your request is a draft. Answer every question, add your records, sign the consent, then submit it.",
    Status.SUBMITTED: "A coordinator will check your case, records and cover next.",
    Status.TRIAGE: "A coordinator is checking your case and records.",
    Status.NEEDS_INFO: "A coordinator needs more information from you.",
    Status.MATCHING: "We are finding a qualified specialist with no conflict of interest.",
    Status.OFFERED: "A specialist has been asked to review your case and will answer soon.",
    Status.IN_REVIEW: "A specialist is reviewing your records and writing their opinion.",
    Status.INFO_REQUESTED: "The specialist has asked you a question.",
    Status.OPINION_SUBMITTED: "The specialist has written their opinion. We are checking it before it reaches you.",
    Status.DELIVERED: "Your opinion is ready. Read it below or download the PDF report.",
    Status.CLOSED: "This case is closed.",
    Status.WITHDRAWN: "You withdrew this case.",
    Status.CANCELLED: "This case was cancelled.",
}


# The same states in the words staff use: the patient's wording ("Needs information from you")
# would be wrong on a coordinator's or specialist's page and in the metrics.
STAFF_STATUS_LABEL: dict[str, str] = {
    Status.DRAFT: "Draft (not submitted)",
    Status.SUBMITTED: "Submitted",
    Status.TRIAGE: "In triage",
    Status.NEEDS_INFO: "Waiting on the patient for information",
    Status.MATCHING: "Finding a specialist",
    Status.OFFERED: "Offered to a specialist",
    Status.IN_REVIEW: "Specialist reviewing",
    Status.INFO_REQUESTED: "Specialist asked a question",
    Status.OPINION_SUBMITTED: "Opinion in quality check",
    Status.DELIVERED: "Opinion delivered",
    Status.CLOSED: "Closed",
    Status.WITHDRAWN: "Withdrawn by the patient",
    Status.CANCELLED: "Cancelled",
}


# What happens next, for staff, shown under the status on the case page.
STAFF_NEXT_STEP: dict[str, str] = {
    Status.DRAFT: "The patient has not submitted this request yet.",
    Status.SUBMITTED: "A coordinator triages it next: check the case, records and cover.",
    Status.TRIAGE: "In triage: check the case, the records and the cover.",
    Status.NEEDS_INFO: "Waiting for the patient to send the information a coordinator asked for.",
    Status.MATCHING: "Offer it to a qualified specialist with no conflict of interest.",
    Status.OFFERED: "Waiting for the specialist to accept or decline the offer.",
    Status.IN_REVIEW: "The specialist is reviewing the records and writing the opinion.",
    Status.INFO_REQUESTED: "Waiting for the patient to answer the specialist's question.",
    Status.OPINION_SUBMITTED: "A coordinator checks the opinion, then delivers it or returns it to the specialist.",
    Status.DELIVERED: "The opinion is delivered to the patient.",
    Status.CLOSED: "This case is closed.",
    Status.WITHDRAWN: "The patient withdrew this case.",
    Status.CANCELLED: "This case was cancelled.",
}


class CaseFor(models.TextChoices):
    SELF = "self", "Me: I am the patient"
    SOMEONE_ELSE = "someone_else", "Someone I care for, such as my child or a parent"


class QuestionTopic(models.TextChoices):
    CONFIRM_DIAGNOSIS = "confirm_diagnosis", "Is the diagnosis right?"
    TREATMENT_OPTIONS = "treatment_options", "What are the treatment options?"
    SURGERY = "surgery", "Is surgery needed?"
    CLINICAL_TRIALS = "clinical_trials", "Are there clinical trials I could join?"


class ReportLanguage(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish (Español)"
    FRENCH = "fr", "French (Français)"
    GERMAN = "de", "German (Deutsch)"
    PORTUGUESE = "pt", "Portuguese (Português)"
    CHINESE = "zh", "Chinese (中文)"
    ARABIC = "ar", "Arabic (العربية)"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine: no decision is due in the next month"
    SOON = "soon", "Soon: a treatment decision is due within a month"
    URGENT = "urgent", "Urgent: a treatment decision is due within a week"


class ReviewType(models.TextChoices):
    STANDARD = "standard", "Standard review of your records"
    IMAGING = "imaging", "Review with a re-read of your scans (imaging)"
    PATHOLOGY = "pathology", "Review with a re-read of your tissue samples (pathology)"


class Coverage(models.TextChoices):
    SELF_PAY = "self_pay", "I will pay myself"
    INSURANCE = "insurance", "My health insurance"


class YesNoNotSure(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "I'm not sure"
