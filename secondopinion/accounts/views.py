"""The Account page: the person's name, and the way to their password, two-factor authentication,
email addresses and email settings (those screens are allauth's and the notifications app's); and
the language switch every page carries."""

from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from secondopinion.errors import ApplicationError
from secondopinion.forms import StyledFormMixin, add_application_error, posted
from secondopinion.languages import set_language_cookie

from . import services
from .http import AuthenticatedHttpRequest


class NameForm(StyledFormMixin, forms.Form):
    full_name = forms.CharField(
        label=gettext_lazy("Your full name"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter your full name.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].help_text = (
            _("As it appears on your medical records.")
            if user.is_patient_side
            else _("As patients and colleagues should see it.")
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
            messages.success(request, _("Your name is saved."))
            return redirect("accounts:account")
    return render(
        request,
        "account/account.html",
        {"form": form, "mfa_enabled": is_mfa_enabled(user)},
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language switch: keep the choice in the cookie, and on the account of a signed-in
    person, then go back to the page it was made on (`next`, when it is one of ours)."""
    back = _page_to_return_to(request)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a language from the list."))
        return redirect(back)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.change_language(user=request.user, language=language)
    translation.activate(language)
    response = redirect(back)
    set_language_cookie(response, language)
    return response


def _page_to_return_to(request: HttpRequest) -> str:
    page = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        page, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return page
    return "/"
