from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from secondopinion.forms import StyledFormMixin, choice_field

from .models import SURE_ITEMS, CheckIn, Intention, Moment, PatientQuestion

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class DecisionForm(StyledFormMixin, forms.Form):
    mark_optional = False
    intention = forms.ChoiceField(
        label=_("What do you intend to do?"),
        choices=Intention.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you intend to do.")},
    )

    def __init__(self, *args, moment: str, **kwargs):
        super().__init__(*args, **kwargs)
        if moment == Moment.BEFORE:
            del self.fields["intention"]  # there is no second opinion to follow yet
        for name, question in SURE_ITEMS:
            self.fields[name] = forms.TypedChoiceField(
                label=question,
                choices=YES_NO,
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )

    @staticmethod
    def initial_from(decision) -> dict:
        if decision is None:
            return {}
        initial = {name: "yes" if getattr(decision, name) else "no" for name, _ in SURE_ITEMS}
        return initial | {"intention": decision.intention}


class PatientQuestionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = PatientQuestion
        fields = ["text"]
        labels = {"text": _("Add a question of your own")}
        help_texts = {"text": _("It is listed with the specialist's questions, ready to print.")}
        error_messages = {
            "text": {
                "required": _("Write your question."),
                "max_length": _("Keep your question under 500 characters."),
            }
        }


class CheckInForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["diagnosis_changed", "treatment_changed", "followed_advice", "how_it_went"]
        widgets = {
            "diagnosis_changed": forms.RadioSelect,
            "treatment_changed": forms.RadioSelect,
            "followed_advice": forms.RadioSelect,
            "how_it_went": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "diagnosis_changed": {"required": _("Answer whether your diagnosis changed.")},
            "treatment_changed": {"required": _("Answer whether your treatment changed.")},
            "followed_advice": {"required": _("Answer whether you followed the advice.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("diagnosis_changed", "treatment_changed", "followed_advice"):
            self.fields[name].required = True
            field = choice_field(self, name)
            field.choices = [
                c for c in cast(list[tuple[str, str]], field.choices) if c[0]
            ]  # no empty choice
