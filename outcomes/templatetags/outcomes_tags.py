"""The outcome figures' section of the coordinators' metrics page (one include, its own filters)."""

from dataclasses import replace

from django import template
from django.utils.translation import gettext

from .. import metrics, permissions, selectors

register = template.Library()


def source_shown(source: str) -> str:
    """A figure's published source in the reader's language (kept in English with the figure)."""
    for cited in (metrics.MEYER, metrics.VAN_SUCH):
        if source == cited:
            return gettext(cited)
        if source == metrics.TREATMENT_CHANGED % {"source": cited}:
            return gettext(metrics.TREATMENT_CHANGED) % {"source": gettext(cited)}
    return source


@register.inclusion_tag("outcomes/partials/metrics_section.html", takes_context=True)
def outcome_metrics(context) -> dict:
    request = context["request"]
    filters = metrics.filters_from(request.GET)
    kept = context.get("outcome_figures")  # the metrics snapshot's, when the page has one
    if kept and not filters["specialty"] and not filters["period"]:
        figures = metrics.from_saved(kept)
    else:  # a coordinator's own choice of specialty or period is counted when asked
        figures = metrics.outcome_figures(**filters)
    # The figures' names are kept in English (the snapshot, the CSV); shown in the reader's.
    figures = figures | {
        "figures": [
            replace(f, label=gettext(f.label), source=source_shown(f.source))
            for f in figures["figures"]
        ],
        "period_label": gettext(figures["period_label"]),
    }
    return {
        "outcomes": figures,
        "chart": metrics.chart_data(figures),
        "specialties": metrics.specialty_choices(),
        "periods": [(key, gettext(label)) for key, (label, _) in metrics.PERIODS.items()],
        "selected_specialty": str(filters["specialty"] or ""),
        "selected_period": filters["period"],
        "query": request.GET.urlencode(),
    }


@register.inclusion_tag("outcomes/partials/case_links.html", takes_context=True)
def outcome_links(context, case) -> dict:
    """On the case page: the way to the side-by-side page, the decision before the opinion, and
    any check-in waiting for an answer."""
    user = context["request"].user
    after = permissions.can_see_after_page(user, case)
    return {
        "case": case,
        "after": after,
        "before": permissions.can_record_decision(user, case, "before"),
        "waiting": [
            item
            for item in (selectors.check_ins_for(case) if after else [])
            if item.answered_at is None
        ]
        if permissions.can_add_question(user, case) and not selectors.follow_up_declined(case)
        else [],
    }
