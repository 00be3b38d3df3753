"""Forms of the review: the structured opinion, questions to the patient and their answers,
follow-up questions and their answers."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from records.forms import RECORD_KIND_CHOICES
from secondopinion.forms import MultipleFileField, StyledFormMixin, choice_field, too_long

from . import readability
from .models import InformationRequest, Opinion, OpinionUrgency, SpecialtyField, TreatmentSupport


class OpinionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Opinion
        fields = Opinion.ANSWER_FIELDS
        help_texts = {
            "plain_summary": gettext_lazy(
                "Written for the patient: short sentences, everyday words, no abbreviations."
            ),
            "helpful_tests": gettext_lazy(
                "Tests, scans or records that would make the picture clearer, if any."
            ),
            "clinical_trials": gettext_lazy(
                "Trials the patient could ask about (name or registry number), if any."
            ),
            "doctor_questions": gettext_lazy(
                "Up to five, one a line, in everyday words. The patient sees them "
                "beside your opinion and in the report, and can add their own."
            ),
        }
        widgets = {
            "relation": forms.RadioSelect,
            "diagnosis": forms.Textarea(attrs={"rows": 3}),
            "reasoning": forms.Textarea(attrs={"rows": 8}),
            "recommendations": forms.Textarea(attrs={"rows": 6}),
            "plain_summary": forms.Textarea(attrs={"rows": 5}),
            "treatment_supported": forms.RadioSelect,
            "helpful_tests": forms.Textarea(attrs={"rows": 3}),
            "clinical_trials": forms.Textarea(attrs={"rows": 3}),
            "doctor_questions": forms.Textarea(attrs={"rows": 5}),
            "urgency": forms.RadioSelect,
        }

    def __init__(self, *args, specialty_fields: Iterable[SpecialtyField] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.specialty_fields = list(specialty_fields)
        stored = {item["field"]: item["value"] for item in self.instance.specialty_answers or []}
        for question in self.specialty_fields:
            self.fields[question.form_name] = specialty_form_field(question)
            self.initial.setdefault(question.form_name, stored.get(question.pk, ""))
        # The specialty's questions come after the opinion's own, before the attestation.
        self.order_fields([*Opinion.ANSWER_FIELDS[:-1], *self._specialty_names(), "attested"])
        # Drafts may be partial; submit_opinion decides what is required, so the fields are not
        # marked "(optional)" either.
        for field in self.fields.values():
            field.required = False
        self.mark_optional = False
        choice_field(self, "relation").choices = Opinion.Relation.choices
        choice_field(self, "treatment_supported").choices = TreatmentSupport.choices
        choice_field(self, "urgency").choices = OpinionUrgency.choices
        summary = self.data.get("plain_summary") if self.is_bound else self.instance.plain_summary
        if summary and summary.strip():
            self.fields["plain_summary"].help_text += " " + readability.hint(summary)

    def _specialty_names(self) -> list[str]:
        return [field.form_name for field in self.specialty_fields]

    def opinion_answers(self) -> dict:
        """The cleaned answers as save_opinion_draft takes them."""
        answers = {name: self.cleaned_data[name] for name in Opinion.ANSWER_FIELDS}
        answers["specialty_answers"] = {
            field.pk: self.cleaned_data.get(field.form_name) for field in self.specialty_fields
        }
        return answers


def specialty_form_field(field: SpecialtyField) -> forms.Field:
    """The form field for one of a specialty's extra questions (all optional in a draft)."""
    # Styled here: StyledFormMixin styles the fields a form has before these are added.
    common: dict[str, Any] = {"label": field.label, "help_text": field.help_text, "required": False}
    if field.kind == SpecialtyField.Kind.NUMBER:
        return forms.DecimalField(
            **common,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "usa-input"}),
            error_messages={"invalid": _("%(label)s: write a number.") % {"label": field.label}},
        )
    if field.kind == SpecialtyField.Kind.CHOICE:
        return forms.ChoiceField(
            **common,
            choices=[("", _("Not answered yet")), *((c, c) for c in field.choice_list)],
            widget=forms.Select(attrs={"class": "usa-select"}),
            error_messages={
                "invalid_choice": _("%(label)s: choose one of the options given.")
                % {"label": field.label}
            },
        )
    return forms.CharField(
        **common,
        max_length=SpecialtyField.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
        error_messages=too_long(field.label),
    )


class SpecialtyFieldForm(StyledFormMixin, forms.ModelForm):
    """A coordinator adds a field to a specialty's template."""

    class Meta:
        model = SpecialtyField
        fields = ["specialty", "label", "kind", "choices", "required", "help_text", "order"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"order": gettext_lazy("Fields are shown in this order (smallest first).")}
        labels = {
            "specialty": gettext_lazy("Specialty"),
            "label": gettext_lazy("Label"),
            "kind": gettext_lazy("Kind"),
            "choices": gettext_lazy("Choices"),
            "required": gettext_lazy("Required"),
            "help_text": gettext_lazy("Help text"),
            "order": gettext_lazy("Order"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's own words for the empty choice, which its Spanish catalog lacks (ours has it).
        specialty = self.fields["specialty"]
        assert isinstance(specialty, forms.ModelChoiceField)
        specialty.empty_label = gettext_lazy("- Select an option -")


class InformationRequestForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = InformationRequest
        fields = ["question", "requested_record_kind"]
        help_texts = {
            "question": gettext_lazy(
                "The patient sees this on their case page. Use everyday words."
            ),
            "requested_record_kind": gettext_lazy("Leave empty if you only need an answer."),
        }
        widgets = {"question": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"question": too_long(gettext_lazy("Your question"))}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].required = True
        choice_field(self, "requested_record_kind").choices = [
            ("", _("No record needed")),
            *RECORD_KIND_CHOICES,
        ]


class InformationAnswerForm(StyledFormMixin, forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Your answer"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        required=False,
        error_messages=too_long(gettext_lazy("Your answer")),
    )
    file = MultipleFileField(
        label=gettext_lazy("Add records"),
        required=False,
        help_text=gettext_lazy(
            "Choose one or more files: PDF, image (JPEG, PNG, TIFF), DICOM, text or office "
            "document."
        ),
    )


class FollowUpForm(StyledFormMixin, forms.Form):
    question = forms.CharField(
        label=gettext_lazy("Your follow-up question"),
        help_text=gettext_lazy(
            "The specialist answers in writing; the answer is added to your report."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        error_messages=too_long(gettext_lazy("Your question")),
    )


class FollowUpAnswerForm(StyledFormMixin, forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Your answer (an addendum to your opinion)"),
        help_text=gettext_lazy(
            "It is added to the opinion and to a new version of the PDF report."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages=too_long(gettext_lazy("Your answer")),
    )
