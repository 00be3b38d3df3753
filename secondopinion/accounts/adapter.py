"""allauth adapter: public sign-up creates only patients and caregivers; allauth's emails are
built like every other email of the service (one text template, an HTML part made from it, the
service's name rather than the host's, Reply-To only when SUPPORT_EMAIL is set, in the account's
language); sign-up keeps the language it was made in; sign-in limits count the client's address as
`client_ip` reads it behind trusted proxies."""

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation

from secondopinion.client_ip import client_ip
from secondopinion.languages import supported_language
from secondopinion.notifications.emails import build_message, render_email

from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        # Specialists and coordinators are created by staff, never by self sign-up.
        user.role = data.get("role") if data.get("role") == Role.CAREGIVER else Role.PATIENT
        # The language they signed up in is the one we write to them in.
        user.language = supported_language(translation.get_language()) or ""
        if commit:
            user.save()
        return user

    def render_mail(self, template_prefix, email, context, headers=None):
        to = [email] if isinstance(email, str) else list(email)
        # Without django.contrib.sites allauth names the site after the request's host
        # ("Hello from 127.0.0.1:8000!"); every email names the service instead.
        site = SimpleNamespace(name=settings.SERVICE_NAME, domain=settings.SITE_URL)
        # The account's language when the email is about one that has chosen it; else the
        # language of the page that sent it (a sign-up, a reset asked for an unknown address).
        language = supported_language(getattr(context.get("user"), "language", ""))
        with translation.override(language or translation.get_language()):
            content = render_email(template_prefix, {**context, "current_site": site})
        return build_message(to=to, email=content, headers=headers)

    def get_client_ip(self, request):
        # allauth's sign-in and password-reset limits count attempts per address.
        if ip := client_ip(request):
            return ip
        raise PermissionDenied("Unable to determine client IP address")
