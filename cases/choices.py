"""The words of a case, as choices: its states (and what each means to the patient and to staff),
and the intake's closed questions. Views, forms and other apps read these without the models."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    TRIAGE = "triage", _("In triage")
    NEEDS_INFO = "needs_info", _("Needs information from you")
    MATCHING = "matching", _("Finding a specialist")
    OFFERED = "offered", _("Offered to a specialist")
    IN_REVIEW = "in_review", _("Specialist reviewing")
    INFO_REQUESTED = "info_requested", _("Specialist asked a question")
    OPINION_SUBMITTED = "opinion_submitted", _("Opinion in quality check")
    DELIVERED = "delivered", _("Opinion delivered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


# What happens next, in the patient's words, shown under the status on the case page.
NEXT_STEP: dict[str, Promise] = {
    Status.DRAFT: _(
        "Your request is a draft. Answer every question, add your records, sign the consent, then submit it."
    ),
    Status.SUBMITTED: _("A coordinator will check your case, records and cover next."),
    Status.TRIAGE: _("A coordinator is checking your case and records."),
    Status.NEEDS_INFO: _("A coordinator needs more information from you."),
    Status.MATCHING: _("We are finding a qualified specialist with no conflict of interest."),
    Status.OFFERED: _("A specialist has been asked to review your case and will answer soon."),
    Status.IN_REVIEW: _("A specialist is reviewing your records and writing their opinion."),
    Status.INFO_REQUESTED: _("The specialist has asked you a question."),
    Status.OPINION_SUBMITTED: _(
        "The specialist has written their opinion. We are checking it before it reaches you."
    ),
    Status.DELIVERED: _("Your opinion is ready. Read it below or download the PDF report."),
    Status.CLOSED: _("This case is closed."),
    Status.WITHDRAWN: _("You withdrew this case."),
    Status.CANCELLED: _("This case was cancelled."),
}


# The same states in the words staff use: the patient's wording ("Needs information from you")
# would be wrong on a coordinator's or specialist's page and in the metrics.
STAFF_STATUS_LABEL: dict[str, Promise] = {
    Status.DRAFT: _("Draft (not submitted)"),
    Status.SUBMITTED: _("Submitted"),
    Status.TRIAGE: _("In triage"),
    Status.NEEDS_INFO: _("Waiting on the patient for information"),
    Status.MATCHING: _("Finding a specialist"),
    Status.OFFERED: _("Offered to a specialist"),
    Status.IN_REVIEW: _("Specialist reviewing"),
    Status.INFO_REQUESTED: _("Specialist asked a question"),
    Status.OPINION_SUBMITTED: _("Opinion in quality check"),
    Status.DELIVERED: _("Opinion delivered"),
    Status.CLOSED: _("Closed"),
    Status.WITHDRAWN: _("Withdrawn by the patient"),
    Status.CANCELLED: _("Cancelled"),
}


# What happens next, for staff, shown under the status on the case page.
STAFF_NEXT_STEP: dict[str, Promise] = {
    Status.DRAFT: _("The patient has not submitted this request yet."),
    Status.SUBMITTED: _("A coordinator triages it next: check the case, records and cover."),
    Status.TRIAGE: _("In triage: check the case, the records and the cover."),
    Status.NEEDS_INFO: _(
        "Waiting for the patient to send the information a coordinator asked for."
    ),
    Status.MATCHING: _("Offer it to a qualified specialist with no conflict of interest."),
    Status.OFFERED: _("Waiting for the specialist to accept or decline the offer."),
    Status.IN_REVIEW: _("The specialist is reviewing the records and writing the opinion."),
    Status.INFO_REQUESTED: _("Waiting for the patient to answer the specialist's question."),
    Status.OPINION_SUBMITTED: _(
        "A coordinator checks the opinion, then delivers it or returns it to the specialist."
    ),
    Status.DELIVERED: _("The opinion is delivered to the patient."),
    Status.CLOSED: _("This case is closed."),
    Status.WITHDRAWN: _("The patient withdrew this case."),
    Status.CANCELLED: _("This case was cancelled."),
}


class CaseFor(models.TextChoices):
    SELF = "self", _("Me: I am the patient")
    SOMEONE_ELSE = "someone_else", _("Someone I care for, such as my child or a parent")


class QuestionTopic(models.TextChoices):
    CONFIRM_DIAGNOSIS = "confirm_diagnosis", _("Is the diagnosis right?")
    TREATMENT_OPTIONS = "treatment_options", _("What are the treatment options?")
    SURGERY = "surgery", _("Is surgery needed?")
    CLINICAL_TRIALS = "clinical_trials", _("Are there clinical trials I could join?")


class ReportLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish (Español)")
    FRENCH = "fr", _("French (Français)")
    GERMAN = "de", _("German (Deutsch)")
    PORTUGUESE = "pt", _("Portuguese (Português)")
    CHINESE = "zh", _("Chinese (中文)")
    ARABIC = "ar", _("Arabic (العربية)")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine: no decision is due in the next month")
    SOON = "soon", _("Soon: a treatment decision is due within a month")
    URGENT = "urgent", _("Urgent: a treatment decision is due within a week")


class ReviewType(models.TextChoices):
    STANDARD = "standard", _("Standard review of your records")
    IMAGING = "imaging", _("Review with a re-read of your scans (imaging)")
    PATHOLOGY = "pathology", _("Review with a re-read of your tissue samples (pathology)")


class Coverage(models.TextChoices):
    SELF_PAY = "self_pay", _("I will pay myself")
    INSURANCE = "insurance", _("My health insurance")


class YesNoNotSure(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_SURE = "not_sure", _("I'm not sure")
