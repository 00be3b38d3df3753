"""The audit viewer for coordinators: filter the log, page through it, export it as CSV. It lives
in the back office because it reads cases; the audit app itself knows no domain app."""

from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from itertools import batched

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cases import permissions
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.audit import selectors
from secondopinion.audit.models import AuditEvent
from secondopinion.csv_export import csv_response
from secondopinion.forms import choice_field

from . import search as case_search
from .rows import audit_rows

PAGE_SIZE = 50
# The most events one CSV download carries: about 15 MB and a few seconds. The whole log of a
# service with a long history is millions of events, which no request can gather; the viewer
# asks for narrower filters instead.
EXPORT_MAX_ROWS = 100_000
EXPORT_BATCH = 2000  # events read, and their cases' references looked up, at a time


class AuditFilterForm(forms.Form):
    mark_optional = False
    case = forms.CharField(label=_("Case reference"), required=False, max_length=16)
    user = forms.EmailField(label=_("User's email"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(
        label=_("From (day)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To (day, included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "action").choices = [("", _("Any action"))] + [
            (action, action) for action in selectors.actions()
        ]

    def clean_case(self) -> int | None:
        reference = self.cleaned_data["case"]
        if not reference:
            return None
        case_id = case_search.case_id_for_reference(reference)
        if case_id is None:
            raise forms.ValidationError(_("No case has this reference."))
        return case_id

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end day must be on or after the start day."))
        return data

    def events(self):
        data = self.cleaned_data if self.is_valid() else {}
        until = data.get("until")

        def start(day):
            return timezone.make_aware(datetime.combine(day, time.min)) if day else None

        return selectors.events_matching(
            case_id=data.get("case"),
            actor_email=data.get("user") or "",
            action=data.get("action") or "",
            since=start(data.get("since")),
            until=start(until + timedelta(days=1)) if until else None,
        )


def _with_references(events: Iterable[AuditEvent]) -> Iterator[tuple[AuditEvent, str]]:
    """Each event with its case's reference ("" for none), looked up a batch at a time."""
    for chunk in batched(events, EXPORT_BATCH):
        references = case_search.references_by_id(e.case_id for e in chunk if e.case_id)
        for event in chunk:
            yield event, references.get(event.case_id, "") if event.case_id else ""


@login_required
@require_GET
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    form = AuditFilterForm(request.GET or None)
    page = selectors.events_page(
        form.events(),
        size=PAGE_SIZE,
        before=request.GET.get("before", ""),
        after=request.GET.get("after", ""),
    )
    events = list(_with_references(page.events))
    params = request.GET.copy()
    for key in ("before", "after", "page"):
        params.pop(key, None)
    return render(
        request,
        "backoffice/audit_events.html",
        {
            "form": form,
            "page": page,
            "events": events,
            "rows": audit_rows(events),
            "filter_query": params.urlencode(),
        },
    )


@login_required
@require_GET
def event_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    form = AuditFilterForm(request.GET or None)
    events = form.events()
    if events[EXPORT_MAX_ROWS : EXPORT_MAX_ROWS + 1].exists():
        messages.error(
            request,
            _(
                "These filters select more than %(limit)s events, more than one download "
                "holds. Choose fewer days, or a case, a user or an action, and download again."
            )
            % {"limit": number_format(EXPORT_MAX_ROWS, force_grouping=True)},
        )
        query = request.GET.urlencode()
        return redirect(reverse("audit:event-list") + (f"?{query}" if query else ""))
    header = ["time", "actor", "on behalf of", "action", "object", "case", "ip", "request id"]
    rows = (
        [
            timezone.localtime(event.at).isoformat(),
            event.actor.email if event.actor else "",
            event.on_behalf_of.email if event.on_behalf_of else "",
            event.action,
            f"{event.object_type}:{event.object_id}",
            reference,
            event.ip or "",
            event.request_id,
        ]
        for event, reference in _with_references(events.iterator(chunk_size=EXPORT_BATCH))
    )
    return csv_response("audit-events.csv", header, rows)
