"""The signed-in user's notifications."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secondopinion.forms import StyledFormMixin, posted

from . import selectors, services
from .models import NotificationPreference


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = selectors.notifications_to_show(request.user)
    return render(request, "notifications/list.html", {"notifications": notifications})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    return redirect("notifications:list")


class PreferenceForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_case_updates"]


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The user's choice of emails (in-app notifications are always on)."""
    current = selectors.preference_for(request.user)
    form = PreferenceForm(posted(request), instance=current)
    if request.method == "POST" and form.is_valid():
        services.set_notification_preference(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your email settings are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
