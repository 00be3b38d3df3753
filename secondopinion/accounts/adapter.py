"""allauth adapter: public sign-up creates only patients and caregivers."""

from allauth.account.adapter import DefaultAccountAdapter

from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        # Specialists and coordinators are created by staff, never by self sign-up.
        user.role = data.get("role") if data.get("role") == Role.CAREGIVER else Role.PATIENT
        if commit:
            user.save()
        return user
