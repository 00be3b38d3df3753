"""The Account page: the person's name, and the way to their password, two-factor authentication,
email addresses and email settings (those screens are allauth's and the notifications app's)."""

from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from secondopinion.errors import ApplicationError
from secondopinion.forms import StyledFormMixin, add_application_error, posted

from . import services
from .http import AuthenticatedHttpRequest


class NameForm(StyledFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={"required": "Enter your full name."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].help_text = (
            "As it appears on your medical records."
            if user.is_patient_side
            else "As patients and colleagues should see it."
        )


@login_required
@require_http_methods(["GET", "POST"])
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = NameForm(posted(request), initial={"full_name": user.full_name}, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_full_name(user=user, full_name=form.cleaned_data["full_name"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Your name is saved.")
            return redirect("accounts:account")
    return render(
        request,
        "account/account.html",
        {"form": form, "mfa_enabled": is_mfa_enabled(user)},
    )
