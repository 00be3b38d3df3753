"""Extra sign-up questions (allauth's ACCOUNT_SIGNUP_FORM_CLASS)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role


class SignupDetailsForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        help_text=_("As it appears on your medical records."),
    )
    role = forms.ChoiceField(
        label=_("Who are you asking for?"),
        choices=[
            (Role.PATIENT, _("Myself: I am the patient")),
            (Role.CAREGIVER, _("Someone I care for: I am a family member or caregiver")),
        ],
        widget=forms.RadioSelect,
        initial=Role.PATIENT,
    )

    def signup(self, request, user) -> None:
        # allauth calls this after saving the user; the adapter sets the fields.
        pass
