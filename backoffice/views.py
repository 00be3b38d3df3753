"""Coordinator pages: the queues and search. Coordinators only; anyone else gets a 404."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import permissions
from cases.case_views import visible_case
from cases.choices import Urgency
from data_rights import fhir
from data_rights import services as data_rights
from outcomes import metrics as outcome_metrics
from review import specialty_fields as specialty_templates
from review.forms import SpecialtyFieldForm
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.csv_export import csv_response
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, choice_field
from specialists import selectors as specialist_selectors

from . import coordination, metrics, page_figures, queues, search
from .rows import quarter_rows, queue_rows


class QueueFilterForm(forms.Form):
    mark_optional = False
    queue = forms.ChoiceField(
        choices=[(queue.key, queue.label) for queue in queues.QUEUES],
        required=False,
        widget=forms.HiddenInput,
    )
    specialty = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    urgency = forms.ChoiceField(
        choices=[("", _("Any urgency")), *Urgency.choices], required=False, label=_("Urgency")
    )
    payer = forms.ChoiceField(required=False, label=_("Payer"))
    age = forms.TypedChoiceField(
        label=_("Submitted"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[
            ("", _("Any time")),
            ("3", _("More than 3 days ago")),
            ("7", _("More than 7 days ago")),
            ("14", _("More than 14 days ago")),
            ("30", _("More than 30 days ago")),
        ],
    )
    sla = forms.ChoiceField(
        label=_("Service level"),
        required=False,
        choices=[
            ("", _("Any")),
            (queues.SLA_OVERDUE, _("Past its service level")),
            (queues.SLA_ON_TRACK, _("On track")),
        ],
    )
    assigned = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=[
            ("", _("Anyone, or no one")),
            (queues.ASSIGNED_TO_ME, _("Me")),
            (queues.UNASSIGNED, _("No one yet")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("oldest", _("Oldest first")),
            ("newest", _("Newest first")),
            ("urgency", _("Most urgent first")),
            ("reference", _("Reference")),
        ],
    )

    def __init__(self, *args, specialties, payers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].label = _("Specialty")
        choice_field(self, "specialty").choices = [("", _("Any specialty"))] + [
            (str(specialty.pk), specialty.name) for specialty in specialties
        ]
        choice_field(self, "payer").choices = [
            ("", _("Any payer")),
            ("self_pay", _("Self-pay")),
        ] + [(name, name) for name in payers]

    def filters(self, *, me: int) -> queues.Filters:
        data = self.cleaned_data
        return queues.Filters(
            specialty=data.get("specialty"),
            urgency=data.get("urgency") or "",
            payer=data.get("payer") or "",
            older_than_days=data.get("age"),
            sla=data.get("sla") or "",
            assigned=data.get("assigned") or "",
            me=me,
        )


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    form = QueueFilterForm(
        request.GET,
        specialties=specialist_selectors.specialties(),
        payers=queues.payers(),
    )
    if form.is_valid():
        filters, key = form.filters(me=request.user.pk), form.cleaned_data["queue"] or "new"
        sort = form.cleaned_data["sort"] or "oldest"
    else:
        # Unknown values are reported beside their field; the queue shows without filters.
        filters, key, sort = queues.Filters(), "new", "oldest"
        valid = {name: form.cleaned_data.get(name) for name in ("queue", "sort")}
        key, sort = valid["queue"] or key, valid["sort"] or sort
    result = queues.queue_page(
        key=key,
        filters=filters,
        sort=sort,
        page_number=request.GET.get("page", 1),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    params = request.GET.copy()
    for name in ("page", "queue", "after", "before"):
        params.pop(name, None)
    queue_params = params.copy()
    queue_params["queue"] = result.queue.key
    return render(
        request,
        "backoffice/queue.html",
        {
            "form": form,
            "result": result,
            "rows": queue_rows(
                result.page.object_list, queue=result.queue, coordinator_id=request.user.pk
            ),
            "queues": [(queue, result.counts[queue.key]) for queue in queues.QUEUES],
            "filter_query": params.urlencode(),
            # The filters and this queue, which every link to another page of it keeps.
            "queue_query": queue_params.urlencode(),
            "return_query": request.GET.urlencode(),
            "coordinators": coordination.coordinators().exclude(pk=request.user.pk),
        },
    )


class BulkActionForm(forms.Form):
    queue = forms.ChoiceField(choices=[(queue.key, queue.label) for queue in queues.QUEUES])
    action = forms.ChoiceField(choices=[("assign", _("Assign")), ("remind", _("Send a reminder"))])
    assign_to = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    return_query = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "assign_to").choices = [
            (str(user.pk), str(user)) for user in coordination.coordinators()
        ]


@login_required
@require_POST
def queue_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Assign the selected cases to a coordinator, or remind whoever each waits on; then back to
    the queue as it was (a plain form POST: no JavaScript needed)."""
    permissions.require_coordinator(request.user)
    form = BulkActionForm(request.POST)
    back = reverse("coordinator:queue")
    if not form.is_valid():
        messages.error(request, _("Choose an action, and a coordinator to assign the cases to."))
        return redirect(back)
    data = form.cleaned_data
    back += "?" + QueryDict(data["return_query"]).urlencode() if data["return_query"] else ""
    references = request.POST.getlist("case")
    try:
        if data["action"] == "assign":
            to = coordination.coordinators().filter(pk=data["assign_to"] or request.user.pk).get()
            result = coordination.assign_cases(
                references=references, queue=data["queue"], to=to, by=request.user
            )
            count = len(result.done)
            if to.pk == request.user.pk:
                done = ngettext(
                    "%(count)s case assigned to you.", "%(count)s cases assigned to you.", count
                ) % {"count": count}
            else:
                done = ngettext(
                    "%(count)s case assigned to %(whom)s.",
                    "%(count)s cases assigned to %(whom)s.",
                    count,
                ) % {"count": count, "whom": to}
        else:
            result = coordination.remind_cases(
                references=references, queue=data["queue"], by=request.user
            )
            count = len(result.done)
            done = ngettext(
                "Reminder sent on %(count)s case.", "Reminder sent on %(count)s cases.", count
            ) % {"count": count}
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    if result.done:
        messages.success(request, done)
    for reference, why in result.skipped:
        messages.warning(
            request,
            _("Nothing was done to %(reference)s: it %(why)s.")
            % {"reference": reference, "why": why},
        )
    return redirect(back)


class SearchForm(forms.Form):
    mark_optional = False
    q = forms.CharField(
        label=_("Case reference, patient name or email, or specialist name"),
        max_length=200,
        min_length=2,
        strip=True,
    )


@login_required
@require_GET
def case_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_valid():
        results = search.search_cases(query=form.cleaned_data["q"], by=request.user)
    return render(request, "backoffice/search.html", {"form": form, "results": results})


@login_required
@require_GET
def metrics_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    chosen = outcome_metrics.filters_from(request.GET)
    figures = metrics.current_metrics(for_page=True, outcome_filters=chosen)
    if figures is None:  # the first snapshot is on its way
        return render(request, "backoffice/metrics.html", {"metrics": None})
    tables = page_figures.tables(
        figures["snapshot"],
        get_language(),
        lambda: render_to_string(
            "backoffice/metrics_tables.html",
            {
                "metrics": figures,
                "charts": metrics.chart_data(figures),
                # (none in a snapshot older than these keys: the beat task's next one has them)
                "busiest": figures.get("busiest", []),
                "specialists_with_work": figures.get("specialists_with_work", 0),
                "quarter_rows": quarter_rows(figures.get("recent_quarters", [])),
            },
        ),
    )
    context = {
        "metrics": figures,
        "tables": tables,
        "outcome_counts": figures["outcome_counts"],
    }
    return render(request, "backoffice/metrics.html", context)


@login_required
@require_GET
def metrics_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    figures = metrics.current_metrics()
    rows = metrics.csv_rows(figures) if figures is not None else []
    return csv_response("metrics.csv", ["figure", "item", "measure", "value"], rows)


@login_required
@require_GET
def outcomes_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The outcome figures as CSV, with the same filters as the metrics page (from the
    snapshot, as the page; no row before the first snapshot)."""
    permissions.require_coordinator(request.user)
    chosen = outcome_metrics.filters_from(request.GET)
    figures = metrics.current_metrics(for_page=True, outcome_filters=chosen)
    counts = figures["outcome_counts"] if figures is not None else None
    shown = outcome_metrics.figures_from(counts, **chosen) if counts else {"figures": []}
    return csv_response("outcomes.csv", outcome_metrics.CSV_HEADER, outcome_metrics.csv_rows(shown))


@login_required
@require_GET
def deletion_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    pending = [
        (deletion, data_rights.why_not_deletable(deletion.case))
        for deletion in data_rights.pending_deletion_requests()
    ]
    return render(request, "data_rights/deletion_requests.html", {"pending": pending})


@login_required
@require_POST
def deletion_decide(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    permissions.require_coordinator(request.user)
    case = visible_case(request, reference)
    try:
        deletion = data_rights.decide_deletion(case=case, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if deletion.refusal:
            messages.warning(request, _("Refused: %(reason)s") % {"reason": deletion.refusal})
        else:
            messages.success(
                request,
                _("Case %(reference)s: its health information is deleted.")
                % {"reference": case.reference},
            )
    return redirect("coordinator:deletion-requests")


@login_required
@require_GET
def case_fhir_export(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The case as the FHIR Bundle the patient's export holds, to send on their behalf."""
    permissions.require_coordinator(request.user)
    case = visible_case(request, reference)
    bundle = fhir.export_fhir(case=case, by=request.user)
    response = HttpResponse(
        json.dumps(bundle, indent=2, ensure_ascii=False),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{case.reference}.fhir.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def specialty_fields(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The opinion's extra fields per specialty (its template), and a form to add one."""
    permissions.require_coordinator(request.user)
    form = SpecialtyFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            field = specialty_templates.add_specialty_field(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _("“%(label)s” is added to %(specialty)s.")
                % {"label": field.label, "specialty": field.specialty},
            )
            return redirect("coordinator:specialty-fields")
    return render(
        request,
        "backoffice/specialty_fields.html",
        {"fields": specialty_templates.all_fields(), "form": form},
    )


@login_required
@require_POST
def specialty_field_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    permissions.require_coordinator(request.user)
    field = get_object_or_404(specialty_templates.all_fields(), pk=pk)
    specialty_templates.remove_specialty_field(by=request.user, field=field)
    messages.success(
        request,
        _("“%(label)s” is removed from %(specialty)s.")
        % {"label": field.label, "specialty": field.specialty},
    )
    return redirect("coordinator:specialty-fields")
