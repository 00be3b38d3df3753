"""Forms for referrals: the referrer's form, a coordinator's, sources and the patient's choices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from secondopinion.forms import StyledFormMixin, model_choice_field

from .models import Referral, ReferralSource
from .services import REFERRAL_FIELDS

_HINTS = {
    "patient_email": _(
        "We email the patient an invitation to sign up. We send them nothing else until they do."
    ),
    "diagnosis": _("As you would write it in a referral letter."),
    "question": _("The patient can change it before they submit their request."),
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
            "source": _("Referral source"),
            "referrer_name": _("The referrer's name"),
            "referrer_email": _("The referrer's email address"),
        }
        help_texts = {**_HINTS, "source": _("The organisation the referral came from.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "source").queryset = ReferralSource.objects.filter(
            revoked_at__isnull=True
        )
        model_choice_field(self, "source").empty_label = _("None")


class ReferralSourceForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ReferralSource
        fields = ["name", "contact_email"]
        help_texts = {
            "contact_email": _("Where we can reach the organisation about its referrals.")
        }


class ReferrerUpdatesForm(forms.Form):
    referrer_updates = forms.TypedChoiceField(
        label=_("Should we email the doctor who referred you when your request moves on?"),
        coerce=lambda value: value == "yes",
        choices=[
            (
                "yes",
                _("Yes: tell them each time the status changes (never what your case is about)"),
            ),
            ("no", _("No: tell them nothing")),
        ],
        widget=forms.RadioSelect,
    )
