"""Forms for cases: they validate input; the services decide."""

from collections.abc import Collection
from typing import TYPE_CHECKING, cast

from django import forms
from django.utils import formats
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from secondopinion.forms import StyledFormMixin, choice_field, model_choice_field, too_long

from .models import (
    Case,
    CoverageCheck,
    ProxyAuthority,
    QuestionTopic,
    ReviewType,
)
from .regions import REGIONS

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class Checkboxes(forms.CheckboxSelectMultiple):
    """Check boxes drawn as the design system draws them: each input followed by its label."""

    template_name = "cases/widgets/checkboxes.html"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def long_date(value) -> str:
    """A date in full ("7 December 2026"), in the order of the active language."""
    return formats.date_format(value, pgettext("a date format: day, month in full, year", "j F Y"))


class IntakeStepForm(StyledFormMixin, forms.ModelForm):
    """One page of the intake. `required` names the answers this page cannot leave empty: its
    step passes them (intake.Step.bind, from the one list, intake.REQUIRED_ANSWERS). The model
    allows blanks so that a draft saves step by step."""

    def __init__(self, *args, required: Collection[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name in required
            if isinstance(field, forms.TypedChoiceField) and isinstance(
                field.widget, forms.RadioSelect
            ):
                choices = cast(list[tuple[object, str]], field.choices)
                field.choices = [choice for choice in choices if choice[0] != ""]


class WhoForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["case_for"]
        widgets = {"case_for": forms.RadioSelect}
        labels = {"case_for": _("Who is the second opinion for?")}
        error_messages = {"case_for": {"required": _("Choose who the second opinion is for.")}}


class AuthorityForm(StyledFormMixin, forms.ModelForm):
    """A caregiver's authority to act for the patient, with the document that shows it."""

    document = forms.FileField(
        label=_("Upload a document that shows your authority"),
        help_text=_(
            "A PDF, or a photo or scan (JPEG, PNG, TIFF or HEIC): for example a birth "
            "certificate, the power of attorney, or the patient's signed permission."
        ),
        error_messages={"required": _("Choose the document that shows your authority.")},
    )

    class Meta:
        model = ProxyAuthority
        fields = ["patient_email", "basis", "document"]
        widgets = {"basis": forms.RadioSelect}
        help_texts = {
            "patient_email": _(
                "When the patient signs in with this address, they see that you act "
                "for them and can stop it at any time."
            ),
        }
        error_messages = {
            "patient_email": {
                "required": _("Enter the patient's email address."),
                "invalid": _("Enter an email address like name@example.org."),
            },
            "basis": {"required": _("Choose what gives you the authority to act for them.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "basis").choices = ProxyAuthority.Basis.choices


class _AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProxyAuthority) -> str:
        return f"{obj.patient_email}: “{obj.get_basis_display()}”"


class UseAuthorityForm(StyledFormMixin, forms.Form):
    authority = _AuthorityChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        label=_("Act for someone you have already recorded your authority for"),
        error_messages={"required": _("Choose the person you act for.")},
    )

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "authority").queryset = authorities


class PatientForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["patient_name", "patient_date_of_birth", "patient_region"]
        widgets = {"patient_date_of_birth": DateInput}
        labels = {
            "patient_name": _("The patient's full name"),
            "patient_date_of_birth": _("The patient's date of birth"),
            "patient_region": _("Where does the patient live?"),
        }
        help_texts = {
            "patient_name": _("As it appears on their medical records."),
            "patient_region": _("We match the patient with specialists licensed to advise there."),
        }
        error_messages = {
            "patient_name": {
                "required": _("Enter the patient's full name."),
                **too_long(_("The name")),
            },
            "patient_date_of_birth": {
                "required": _("Enter the patient's date of birth."),
                "invalid": _("Enter the date of birth as a real date."),
                "future": _("The date of birth must be today or in the past."),
            },
            "patient_region": {"required": _("Choose where the patient lives.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "patient_region").choices = [("", gettext("Choose a place")), *REGIONS]

    def clean_patient_date_of_birth(self):
        born = self.cleaned_data["patient_date_of_birth"]
        diagnosed = self.instance.diagnosis_date
        if born and diagnosed and born > diagnosed:
            raise forms.ValidationError(
                gettext(
                    "The date of birth must be before the date of the diagnosis (%(date)s). "
                    "Check both dates."
                )
                % {"date": long_date(diagnosed)},
                code="after_diagnosis",
            )
        return born


class DiagnosisForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["diagnosis", "diagnosis_date", "treating_doctor", "treating_institution"]
        widgets = {"diagnosis": forms.Textarea(attrs={"rows": 4}), "diagnosis_date": DateInput}
        help_texts = {
            "diagnosis": _("What the doctor told you, in your own words."),
            "diagnosis_date": _("An approximate date is fine."),
            "treating_doctor": _("Their name, for example Dr Ada Brown."),
        }
        error_messages = {
            "diagnosis": {
                "required": _("Enter the current diagnosis."),
                **too_long(_("The diagnosis")),
            },
            "diagnosis_date": {
                "required": _("Enter when the diagnosis was made."),
                "invalid": _("Enter the date of the diagnosis as a real date."),
                "future": _("The date of the diagnosis must be today or in the past."),
            },
            "treating_doctor": {
                "required": _("Enter the name of the doctor who made the diagnosis."),
                **too_long(_("The doctor's name")),
            },
            "treating_institution": too_long(_("The hospital or clinic")),
        }

    def clean_diagnosis_date(self):
        diagnosed = self.cleaned_data["diagnosis_date"]
        born = self.instance.patient_date_of_birth
        if diagnosed and born and diagnosed < born:
            raise forms.ValidationError(
                gettext(
                    "The date of the diagnosis must be on or after the patient's date of birth "
                    "(%(date)s)."
                )
                % {"date": long_date(born)},
                code="before_birth",
            )
        return diagnosed


class TreatmentForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["treatment"]
        widgets = {"treatment": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "treatment": _(
                "For example an operation, medicines or radiotherapy, and when it is "
                "planned. Write “None yet” if no treatment has been proposed."
            ),
        }
        error_messages = {
            "treatment": {
                "required": _("Enter the treatment proposed, or “None yet”."),
                **too_long(_("The treatment")),
            }
        }


class QuestionForm(IntakeStepForm):
    question_topics = forms.MultipleChoiceField(
        label=_("What would you like to know?"),
        choices=QuestionTopic.choices,
        widget=Checkboxes,
        required=False,
        help_text=_("Choose all that apply."),
    )

    class Meta:
        model = Case
        fields = ["question_topics", "question", "title"]
        widgets = {"question": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "question": _("In your own words: what should the specialist answer?"),
            "title": _(
                "To recognise this request in your list, for example “Knee MRI, June 2026”."
            ),
        }
        error_messages = {
            "question": {"required": _("Enter your question."), **too_long(_("The question"))},
            "title": {"required": _("Enter a short title."), **too_long(_("The title"))},
        }


class HistoryForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["medical_history"]
        widgets = {"medical_history": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "medical_history": _(
                "Is there anything else in the patient's medical history "
                "the specialist should know?"
            )
        }
        help_texts = {
            "medical_history": _(
                "For example other illnesses, operations, or illnesses that run in the family."
            ),
        }
        error_messages = {"medical_history": too_long(_("The history"))}


class MedicationsForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["medications", "allergies"]
        widgets = {
            "medications": forms.Textarea(attrs={"rows": 4}),
            "allergies": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "medications": _("Which medicines does the patient take now?"),
            "allergies": _("Does the patient have any allergies?"),
        }
        help_texts = {
            "medications": _("With the dose if you know it. Write “None” if they take none."),
            "allergies": _("Write “None” if they have none."),
        }
        error_messages = {
            "medications": {
                "required": _("Enter the medicines, or “None”."),
                **too_long(_("The medicines")),
            },
            "allergies": {
                "required": _("Enter the allergies, or “None”."),
                **too_long(_("Allergies")),
            },
        }


class PreferencesForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["urgency", "report_language"]
        widgets = {"urgency": forms.RadioSelect}
        error_messages = {
            "urgency": {"required": _("Choose how soon you need the opinion.")},
            "report_language": {"required": _("Choose the language of the report.")},
        }

    def __init__(self, *args, languages: list[tuple[str, str]], **kwargs):
        """`languages`: the (code, name) choices a report can be written in now."""
        super().__init__(*args, **kwargs)
        field = choice_field(self, "report_language")
        field.choices = [("", gettext("Choose a language")), *languages]
        names = [name for _code, name in languages]
        listed = (
            gettext("%(names)s or %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}
            if len(names) > 1
            else names[0]
        )
        field.help_text = gettext("Our specialists can write the report in %(languages)s.") % {
            "languages": listed
        }


class ExclusionsForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["excluded_doctors"]
        widgets = {"excluded_doctors": forms.Textarea(attrs={"rows": 4})}
        labels = {"excluded_doctors": _("Are there doctors who should not review this case?")}
        help_texts = {
            "excluded_doctors": _(
                "One per line, with their hospital if you know it: for example "
                "the doctors already treating the patient, or anyone you would not want to see "
                "their records. We never offer the case to them."
            ),
        }
        error_messages = {"excluded_doctors": too_long(_("The list"))}


class RecordsForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["records_to_follow"]


class ReviewTypeForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["review_type"]
        widgets = {"review_type": forms.RadioSelect}
        error_messages = {"review_type": {"required": _("Choose the kind of review.")}}

    def __init__(self, *args, prices, **kwargs):
        super().__init__(*args, **kwargs)
        amounts = {price.review_type: price for price in prices}
        choice_field(self, "review_type").choices = [
            (value, f"{label}: {amounts[value].display}")
            for value, label in ReviewType.choices
            if value in amounts
        ]


class CoverageForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = ["coverage"]
        widgets = {"coverage": forms.RadioSelect}
        error_messages = {"coverage": {"required": _("Choose how you will pay.")}}


class InsuranceForm(IntakeStepForm):
    class Meta:
        model = Case
        fields = [
            "insurance_payer",
            "insurance_plan",
            "insurance_member_id",
            "insurance_needs_preauthorization",
        ]
        widgets = {"insurance_needs_preauthorization": forms.RadioSelect}
        help_texts = {
            "insurance_member_id": _("It is on the insurance card."),
            "insurance_needs_preauthorization": _("If you are not sure, we ask your insurer."),
        }
        error_messages = {
            "insurance_payer": {
                "required": _("Enter the name of your insurance company."),
                **too_long(_("The name")),
            },
            "insurance_plan": too_long(_("The plan name")),
            "insurance_member_id": {
                "required": _("Enter your member ID."),
                **too_long(_("The member ID")),
            },
            "insurance_needs_preauthorization": {
                "required": _("Say whether your plan needs pre-authorization.")
            },
        }


class ConsentForm(StyledFormMixin, forms.Form):
    agree = forms.BooleanField(
        label=_("I have read this consent and I agree to it"),
        error_messages={"required": _("Tick the box to say you agree.")},
    )
    signed_name = forms.CharField(
        label=_("Type your full name to sign"),
        max_length=200,
        help_text=_("If you act for the patient, type your own name."),
        error_messages={"required": _("Type your full name to sign."), **too_long(_("The name"))},
    )


class CoverageCheckForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CoverageCheck
        fields = ["result", "preauthorization", "preauthorization_reference", "patient_share"]
        widgets = {"result": forms.RadioSelect, "preauthorization": forms.RadioSelect}
        help_texts = {
            "preauthorization_reference": _("Needed when pre-authorization is approved."),
            "patient_share": _("What the patient pays after insurance, if known."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "result").choices = CoverageCheck.Result.choices
        choice_field(self, "preauthorization").choices = CoverageCheck.PreAuthorization.choices


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, label: "str | _StrPromise", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
