"""Forms for referrals: the referrer's form, a coordinator's, sources and the patient's choices."""

from django import forms

from secondopinion.forms import StyledFormMixin, model_choice_field

from .models import Referral, ReferralSource
from .services import REFERRAL_FIELDS

_HINTS = {
    "patient_email": "We email the patient an invitation to sign up. We send them nothing else "
    "until they do.",
    "diagnosis": "As you would write it in a referral letter.",
    "question": "The patient can change it before they submit their request.",
}


class ReferralForm(StyledFormMixin, forms.ModelForm):
    """What a referrer tells us about the patient they refer."""

    class Meta:
        model = Referral
        fields = list(REFERRAL_FIELDS)
        widgets = {
            "diagnosis": forms.Textarea(attrs={"rows": 4}),
            "question": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = _HINTS


class CoordinatorReferralForm(ReferralForm):
    """A referral a coordinator enters for a referrer (by phone, letter or fax)."""

    class Meta(ReferralForm.Meta):
        fields = ["source", *ReferralForm.Meta.fields]
        labels = {
            "source": "Referral source",
            "referrer_name": "The referrer's name",
            "referrer_email": "The referrer's email address",
        }
        help_texts = {**_HINTS, "source": "The organisation the referral came from."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "source").queryset = ReferralSource.objects.filter(
            revoked_at__isnull=True
        )
        model_choice_field(self, "source").empty_label = "None"


class ReferralSourceForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ReferralSource
        fields = ["name", "contact_email"]
        help_texts = {"contact_email": "Where we can reach the organisation about its referrals."}


class ReferrerUpdatesForm(forms.Form):
    referrer_updates = forms.TypedChoiceField(
        label="Should we email the doctor who referred you when your request moves on?",
        coerce=lambda value: value == "yes",
        choices=[
            ("yes", "Yes: tell them each time the status changes (never what your case is about)"),
            ("no", "No: tell them nothing"),
        ],
        widget=forms.RadioSelect,
    )
