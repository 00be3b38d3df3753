"""Forms for specialists' profiles, credentials, matching and offers: they validate input; the
services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import QuestionTopic
from secondopinion.forms import StyledFormMixin, choice_field, model_choice_field
from secondopinion.text import Text

from .models import (
    LANGUAGES,
    ConflictDeclaration,
    FinancialRelationship,
    Offer,
    Specialist,
    Specialty,
)
from .regions import licence_jurisdiction_choices
from .services import REMOVABLE


class Checkboxes(forms.CheckboxSelectMultiple):
    """Check boxes as the design system draws them; option groups get a heading."""

    template_name = "specialists/widgets/checkboxes.html"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _required(message: Text) -> dict[str, Text]:
    return {"required": message}


def grouped_specialties(specialties) -> list:
    """The controlled list as choices: a specialty with subspecialties is a group (the specialty,
    then its subspecialties); one without is a single choice."""
    specialties = list(specialties)
    choices = []
    for parent in (s for s in specialties if s.parent_id is None):
        children = [(s.pk, s.name) for s in specialties if s.parent_id == parent.pk]
        choices.append(
            (parent.name, [(parent.pk, parent.name), *children])
            if children
            else (parent.pk, parent.name)
        )
    return choices


class ProfileForm(StyledFormMixin, forms.Form):
    specialties: "forms.ModelMultipleChoiceField[Specialty]" = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=Checkboxes,
        label=_("Your specialties and subspecialties"),
        help_text=_("Choose every one you are board certified or fellowship trained in."),
        error_messages=_required(_("Choose at least one specialty.")),
    )
    expertise = forms.CharField(
        label=_("Areas of expertise"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=_(
            "One a line, for example “HER2-positive breast cancer”. Matching compares "
            "them with the patient's diagnosis and question."
        ),
    )
    languages = forms.MultipleChoiceField(
        choices=LANGUAGES,
        widget=Checkboxes,
        label=_("Languages you write reports in"),
        error_messages=_required(_("Choose at least one language you write reports in.")),
    )
    institution = forms.CharField(
        label=_("Current hospital or institution"),
        max_length=200,
        required=False,
        help_text=_("Conflict-of-interest screening keeps you away from its patients."),
    )
    bio = forms.CharField(
        label=_("Short public bio"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=1000,
        help_text=_("Patients read this once you accept their case. 1,000 characters at most."),
    )
    max_open_cases = forms.IntegerField(
        label=_("Most cases open at once"),
        min_value=1,
        max_value=50,
        help_text=_(
            "Cases you are reviewing plus offers waiting for your answer. At this number "
            "you are not offered more."
        ),
        error_messages=_required(_("Enter how many cases you can have open at once.")),
    )
    typical_turnaround_days = forms.IntegerField(
        label=_("Typical days to write an opinion"),
        min_value=1,
        max_value=90,
        error_messages=_required(_("Enter how many days you usually take.")),
    )
    preferred_topics = forms.MultipleChoiceField(
        choices=QuestionTopic.choices,
        widget=Checkboxes,
        required=False,
        label=_("Questions you most like to answer"),
    )

    def __init__(self, *args, specialties, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "specialties").queryset = specialties
        self.fields["specialties"].widget.choices = grouped_specialties(specialties)


class LicenceForm(StyledFormMixin, forms.Form):
    jurisdiction = forms.ChoiceField(
        label=_("Where is it valid?"),
        help_text=_("A UK licence (GMC) covers all four nations; a US licence is for one state."),
        error_messages=_required(_("Choose where the licence is valid.")),
    )
    number = forms.CharField(
        label=_("Licence number"),
        max_length=60,
        error_messages=_required(_("Enter the licence number.")),
    )
    expires_on = forms.DateField(
        label=_("Expiry date"),
        widget=DateInput,
        error_messages={
            **_required(_("Enter the date the licence expires.")),
            "invalid": _("Enter the expiry date as a real date, for example 31/12/2027."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "jurisdiction").choices = [
            ("", _("Choose…")),
            *licence_jurisdiction_choices(),
        ]


class CertificationForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Certified in"),
        max_length=200,
        help_text=_("For example “Medical oncology”."),
        error_messages=_required(_("Enter what you are certified in.")),
    )
    board = forms.CharField(
        label=_("Certifying board"),
        max_length=200,
        required=False,
        help_text=_("For example “American Board of Internal Medicine”."),
    )
    year = forms.IntegerField(label=_("Year certified"), min_value=1950, required=False)


class AffiliationForm(StyledFormMixin, forms.Form):
    institution = forms.CharField(
        label=_("Hospital or institution"),
        max_length=200,
        error_messages=_required(_("Enter the hospital or institution.")),
    )
    start_year = forms.IntegerField(
        label=_("From (year)"),
        min_value=1950,
        error_messages=_required(_("Enter the year you started there.")),
    )
    end_year = forms.IntegerField(
        label=_("Until (year)"),
        min_value=1950,
        required=False,
        help_text=_("Leave empty if you still work there."),
    )


class FinancialRelationshipForm(StyledFormMixin, forms.Form):
    company = forms.CharField(
        label=_("Company"),
        max_length=200,
        help_text=_("For example “Roche” or “Medtronic”."),
        error_messages=_required(_("Enter the company's name.")),
    )
    kind = forms.ChoiceField(
        label=_("Type of relationship"),
        choices=FinancialRelationship.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Choose the type of relationship.")),
    )
    products = forms.CharField(
        label=_("Products it concerns"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("The company's medicines or devices, one a line, for example “Herceptin”."),
    )


class UnavailablePeriodForm(StyledFormMixin, forms.Form):
    starts_on = forms.DateField(
        label=_("First day away"),
        widget=DateInput,
        error_messages={
            **_required(_("Enter the first day you are away.")),
            "invalid": _("Enter the first day as a real date."),
        },
    )
    ends_on = forms.DateField(
        label=_("Last day away"),
        widget=DateInput,
        error_messages={
            **_required(_("Enter the last day you are away.")),
            "invalid": _("Enter the last day as a real date."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("For example “Conference”. Only you see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].widget.attrs["min"] = f"{timezone.localdate():%Y-%m-%d}"


class DoctorConflictForm(StyledFormMixin, forms.Form):
    doctor_name = forms.CharField(
        label=_("Doctor's name"),
        max_length=200,
        help_text=_("You are never matched with cases this doctor treats."),
        error_messages=_required(_("Enter the doctor's name.")),
    )
    kind = forms.ChoiceField(
        label=_("Relationship"),
        choices=ConflictDeclaration.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Choose the relationship.")),
    )
    details = forms.CharField(label=_("Details"), max_length=500, required=False)


class CaseConflictForm(StyledFormMixin, forms.Form):
    specialist: "forms.ModelChoiceField[Specialist]" = forms.ModelChoiceField(
        queryset=None,
        label=_("Specialist"),
        empty_label=_("Choose a specialist"),
        error_messages=_required(_("Choose the specialist.")),
    )
    kind = forms.ChoiceField(
        label=_("Relationship"),
        choices=ConflictDeclaration.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Choose the relationship.")),
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=500,
        required=False,
        help_text=_("How you learned of it, for example “the patient's sister-in-law”."),
    )

    def __init__(self, *args, specialists, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "specialist").queryset = specialists


class LanguageWaiverForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why may the report be written in another language?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_(
            "For example “the patient agreed by phone on 3 May to an English report with "
            "a translation”. It is recorded, audited and shown on the case, to the patient too."
        ),
        error_messages=_required(_("Say why the report may be written in another language.")),
    )


class RemoveItemForm(forms.Form):
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in REMOVABLE])
    item = forms.IntegerField()


class VerifyLicenceForm(forms.Form):
    licence = forms.IntegerField()


class SpecialtyFilterForm(StyledFormMixin, forms.Form):
    """`specialties`: the list (read once, shared with the ranking); the choice cleans to one."""

    specialty = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=_("Rank for this specialty")
    )

    def __init__(self, *args, specialties, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_pk = {s.pk: s for s in specialties}
        choice_field(self, "specialty").choices = [
            ("", _("The specialty the case's text suggests")),
            *((s.pk, f"{s.parent.name}: {s.name}" if s.parent_id else s.name) for s in specialties),
        ]

    def clean_specialty(self):
        pk = self.cleaned_data["specialty"]
        return self._by_pk.get(pk) if pk is not None else None


class OfferForm(forms.Form):
    specialist = forms.IntegerField(required=False)
    specialty = forms.IntegerField(required=False)
    automatic = forms.BooleanField(required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("specialist") and not data.get("automatic"):
            raise forms.ValidationError(_("Choose a specialist to offer the case to."))
        return data


class AcceptOfferForm(StyledFormMixin, forms.Form):
    attested_no_conflict = forms.BooleanField(
        label=_("I have no conflict of interest with this case"),
        help_text=_(
            "No tie to the patient, their treating doctors or hospital, or the makers of "
            "the treatment in question, and no other reason my opinion might not be independent."
        ),
        error_messages=_required(
            _("Confirm that you have no conflict of interest with this case before you accept it.")
        ),
    )


class DeclineOfferForm(StyledFormMixin, forms.Form):
    reason_code = forms.ChoiceField(
        label=_("Why are you declining?"),
        choices=Offer.DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Choose why you are declining.")),
    )
    reason = forms.CharField(
        label=_("Tell us more"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=500,
        help_text=_("Needed if you chose “Another reason”."),
    )
