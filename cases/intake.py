"""The intake's pages: their order, which apply to a case, and the answers each one asks.

The answers a case needs before it can be submitted are listed once, here (REQUIRED_ANSWERS):
each page requires those it asks (`Step.required`), and `services.missing_for_submission` checks
them all before submission.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms as django_forms
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import forms
from .models import Case, CaseFor, Coverage

RETURN_TO_CHECK = "check"

# Answers a case needs before it is submitted, with what the check page says is missing: the one
# list the step pages and services.missing_for_submission both read.
REQUIRED_ANSWERS = {
    "case_for": _("Who the second opinion is for"),
    "patient_name": _("The patient's name"),
    "patient_date_of_birth": _("The patient's date of birth"),
    "patient_region": _("Where the patient lives"),
    "diagnosis": _("The current diagnosis"),
    "diagnosis_date": _("When the diagnosis was made"),
    "treating_doctor": _("The doctor who made the diagnosis"),
    "treatment": _("The treatment proposed or under way"),
    "question": _("Your question for the specialist"),
    "title": _("A short title for the request"),
    "medications": _("Current medicines"),
    "allergies": _("Allergies"),
    "report_language": _("The language of the report"),
    "urgency": _("How soon you need the opinion"),
    "review_type": _("The kind of review"),
    "coverage": _("How you will pay"),
}
# And, when the patient pays with insurance, these.
REQUIRED_INSURANCE_ANSWERS = {
    "insurance_payer": _("Your insurance company"),
    "insurance_member_id": _("Your insurance member ID"),
    "insurance_needs_preauthorization": _("Whether your plan needs pre-authorization"),
}


def _always(case: Case) -> bool:
    return True


def _for_someone_else(case: Case) -> bool:
    return case.case_for == CaseFor.SOMEONE_ELSE


def _insured(case: Case) -> bool:
    return case.coverage == Coverage.INSURANCE


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise  # the page's heading, and the section's name on the check page
    form: type[django_forms.ModelForm] | None = None
    # Answers asked on this page that are not fields of its form.
    other_answers: tuple[str, ...] = ()
    applies: Callable[[Case], bool] = field(default=_always)
    # A page that only some answers open is numbered as part of the question that opened it,
    # so "Step 3 of 13" never changes its total as the patient goes.
    part_of: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.form._meta.fields or ()) if self.form else ()

    @property
    def answers(self) -> tuple[str, ...]:
        return self.fields + self.other_answers

    @property
    def required(self) -> tuple[str, ...]:
        """The answers on this page that cannot be left empty (from REQUIRED_ANSWERS)."""
        listed = REQUIRED_ANSWERS.keys() | REQUIRED_INSURANCE_ANSWERS.keys()
        return tuple(name for name in self.fields if name in listed)

    def bind(self, *args, **kwargs) -> django_forms.ModelForm:
        """This page's form, requiring this page's required answers."""
        if self.form is None:
            raise ValueError(f"The {self.slug} page has no form.")
        return self.form(*args, required=self.required, **kwargs)  # type: ignore[call-arg]  # IntakeStepForm takes it

    def url(self, case: Case, *, returning: bool = False) -> str:
        if self.slug == "authority":
            url = reverse("cases:intake-authority", args=[case.reference])
        elif self.slug == "consent":
            url = reverse("cases:case-consent", args=[case.reference])
        else:
            url = reverse("cases:intake-step", args=[case.reference, self.slug])
        return f"{url}?return={RETURN_TO_CHECK}" if returning else url


STEPS = (
    Step("who", _("Who the second opinion is for"), forms.WhoForm),
    Step(
        "authority",
        _("Your authority to act for the patient"),
        other_answers=("proxy_authority",),
        applies=_for_someone_else,
        part_of="who",
    ),
    Step("patient", _("About the patient"), forms.PatientForm),
    Step("diagnosis", _("The current diagnosis"), forms.DiagnosisForm),
    Step("treatment", _("The treatment"), forms.TreatmentForm),
    Step("question", _("Your question for the specialist"), forms.QuestionForm),
    Step("history", _("Medical history"), forms.HistoryForm),
    Step("medications", _("Medicines and allergies"), forms.MedicationsForm),
    Step("preferences", _("Urgency and report language"), forms.PreferencesForm),
    Step("exclusions", _("Doctors to exclude"), forms.ExclusionsForm),
    Step("records", _("Medical records"), forms.RecordsForm, other_answers=("records",)),
    Step("review-type", _("Kind of review and price"), forms.ReviewTypeForm),
    Step("coverage", _("Paying for the review"), forms.CoverageForm),
    Step(
        "insurance", _("Your insurance"), forms.InsuranceForm, applies=_insured, part_of="coverage"
    ),
    Step("consent", _("Consent"), other_answers=("consent",)),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}
# Pages about paying, shown to the patient's side and coordinators only.
COVER_STEPS = frozenset({"review-type", "coverage", "insurance"})
STEP_OF_ANSWER = {answer: step for step in STEPS for answer in step.answers}
# Every answer the intake's pages save (through services.update_case).
INTAKE_ANSWERS = frozenset(name for step in STEPS for name in step.fields)


def steps_for(case: Case) -> list[Step]:
    return [step for step in STEPS if step.applies(case)]


NUMBERED_STEPS = [step.slug for step in STEPS if not step.part_of]


def position(step: Step) -> tuple[int, int]:
    """(number of this question, number of questions) for "Step 3 of 13": the same total on
    every page and every path (a page an answer opened shares that question's number)."""
    return NUMBERED_STEPS.index(step.part_of or step.slug) + 1, len(NUMBERED_STEPS)


def previous_url(case: Case, step: Step, *, returning: bool) -> str:
    if returning:
        return reverse("cases:intake-check", args=[case.reference])
    steps = steps_for(case)
    index = steps.index(step) if step in steps else 0
    if index == 0:
        return reverse("cases:dashboard")
    return steps[index - 1].url(case)


def next_url(case: Case, step: Step, *, returning: bool) -> str:
    """Where to go after saving `step`: the next page, or back to the check page when changing
    an answer from there (unless the change opened a page that now needs answering)."""
    steps = steps_for(case)
    later = steps[steps.index(step) + 1 :] if step in steps else []
    opened = {"who": "authority", "coverage": "insurance"}.get(step.slug)
    if returning:
        needed = [s for s in later if s.slug == opened and _unanswered(case, s)]
        return needed[0].url(case, returning=True) if needed else check_url(case)
    return later[0].url(case) if later else check_url(case)


def resume_url(case: Case, missing: set[str]) -> str:
    """Where a patient coming back carries on: the first page with a missing answer."""
    for step in steps_for(case):
        if missing & set(step.answers):
            return step.url(case)
    return check_url(case)


def check_url(case: Case) -> str:
    return reverse("cases:intake-check", args=[case.reference])


def _unanswered(case: Case, step: Step) -> bool:
    if step.slug == "authority":
        return not (case.proxy_authority and case.proxy_authority.is_active)
    return any(getattr(case, name) in ("", None) for name in step.answers if name in step.fields)


@dataclass(frozen=True)
class Answer:
    label: str
    value: str


def _display(case: Case, name: str) -> str:
    value = getattr(case, name)
    if value in ("", None, []):
        return ""
    if name == "question_topics":
        return "\n".join(case.get_question_topics_display())
    if hasattr(case, f"get_{name}_display"):
        return getattr(case, f"get_{name}_display")()
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if hasattr(value, "isoformat"):
        return forms.long_date(value)
    return str(value)


def answers_on(case: Case, step: Step) -> list[Answer]:
    """The answers a form page holds, labelled as the page asks them."""
    if step.form is None:
        return []
    base = step.form.base_fields
    return [Answer(str(base[name].label), _display(case, name)) for name in step.fields]
