"""What every app's pages about one case share: the case or 404, the audited read, the one-button
action and the form that calls one service and keeps what was typed on refusal."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error

from . import permissions, selectors, services
from .forms import ReasonForm
from .models import Case

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def visible_case(request: HttpRequest, reference: str) -> Case:
    """A case this user may see, or 404: other people's ids tell them nothing."""
    try:
        return selectors.case_visible_to(request.user, reference)
    except Case.DoesNotExist as missing:
        raise Http404 from missing


def record_shown(request: AuthenticatedHttpRequest, case: Case) -> None:
    """A page showing the case to this user is a read of it: audited (once, on the GET)."""
    if request.method == "GET":
        services.record_case_read(case=case, by=request.user)


def after_action(request: HttpRequest, case: Case) -> HttpResponse:
    if permissions.can_view_case(request.user, case):
        return redirect("cases:case-detail", case.reference)
    return redirect("home")


def case_action(
    service: Callable[..., object],
    *,
    success: "str | _StrPromise",
    title: "str | _StrPromise",
    text_label: "str | _StrPromise" = "",
    allowed: Callable[..., bool],
    text_kwarg: str = "reason",
):
    """A view that runs one case service. With `text_label`, it first asks for a reason.

    `allowed(user, case)` says whether this kind of user takes this action at all (else 404);
    whether the case's state allows it now is the service's decision, shown as a message.
    """

    @login_required
    @require_http_methods(["GET", "POST"] if text_label else ["POST"])
    def view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
        case = visible_case(request, reference)
        if not allowed(request.user, case):
            raise Http404
        form = ReasonForm(request.POST or None, label=text_label) if text_label else None
        if request.method == "POST" and (form is None or form.is_valid()):
            kwargs = {text_kwarg: form.cleaned_data["reason"]} if form else {}
            try:
                service(case=case, by=request.user, **kwargs)
            except ApplicationError as error:
                if form is None:
                    raise
                add_application_error(form, error)
            else:
                messages.success(request, success)
                return after_action(request, case)
        record_shown(request, case)
        return render(
            request, "cases/case_action.html", {"case": case, "form": form, "title": title}
        )

    return view


def case_form(
    request: AuthenticatedHttpRequest,
    case: Case,
    form,
    *,
    save: Callable[[dict], object],
    success: "str | _StrPromise",
    template: str = "review/information_form.html",
    redirect_to: str = "cases:case-detail",
    shown: Callable[[], dict] | None = None,
    audit_read: bool = True,
    **context,
) -> HttpResponse:
    """The shape every case form shares: on a valid POST call `save` with the cleaned data and go
    back with `success`; a refusal from the service shows on the form with everything typed kept.
    `shown` adds context computed only when the page is shown (not before a redirect);
    `audit_read=False` when the page audits a finer read of its own."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, success)
            return redirect(redirect_to, case.reference)
    if shown is not None:
        context |= shown()
    if audit_read:
        record_shown(request, case)
    return render(request, template, {"case": case, "form": form, **context})
