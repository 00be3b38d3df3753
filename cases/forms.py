"""Forms for cases: they validate input; the services decide."""

from django import forms

from secondopinion.forms import StyledFormMixin

from .models import Case, Opinion


class CaseForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title", "diagnosis", "treating_doctor", "question"]
        help_texts = {
            "title": "A few words to recognise this case by, for example “Knee MRI, June 2026”.",
            "diagnosis": "What your doctor told you, in your own words. Include when it was made.",
            "treating_doctor": "The name and hospital or clinic of the doctor who made the diagnosis.",
            "question": "What you would like the specialist to answer.",
        }
        widgets = {
            "diagnosis": forms.Textarea(attrs={"rows": 4}),
            "question": forms.Textarea(attrs={"rows": 4}),
        }


class NewCaseForm(CaseForm):
    record = forms.FileField(
        label="Upload a medical record",
        required=False,
        help_text="Optional now: you can add records later. A PDF, image, DICOM or document file.",
    )


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, label: str, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class OfferForm(StyledFormMixin, forms.Form):
    specialist = forms.ModelChoiceField(
        queryset=None, label="Specialist", empty_label="Choose a specialist"
    )

    def __init__(self, *args, specialists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialist"].queryset = specialists


class OpinionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Opinion
        fields = [
            "relation",
            "diagnosis",
            "reasoning",
            "recommendations",
            "plain_summary",
            "attested",
        ]
        help_texts = {
            "plain_summary": "Written for the patient: short sentences, everyday words, no abbreviations.",
        }
        widgets = {
            "relation": forms.RadioSelect,
            "diagnosis": forms.Textarea(attrs={"rows": 3}),
            "reasoning": forms.Textarea(attrs={"rows": 8}),
            "recommendations": forms.Textarea(attrs={"rows": 6}),
            "plain_summary": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Drafts may be partial; submit_opinion decides what is required, so the fields are not
        # marked "(optional)" either.
        for field in self.fields.values():
            field.required = False
        self.mark_optional = False
        self.fields["relation"].choices = Opinion.Relation.choices
