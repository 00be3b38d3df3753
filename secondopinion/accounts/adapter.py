"""allauth adapter: public sign-up creates only patients and caregivers; sign-in limits count the\nclient's address as `client_ip` reads it behind trusted proxies."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from .client_ip import client_ip
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

    def get_client_ip(self, request):
        # allauth's sign-in and password-reset limits count attempts per address.
        if ip := client_ip(request):
            return ip
        raise PermissionDenied("Unable to determine client IP address")
