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
    """The section from the metrics snapshot's counts of the chosen filters (`outcome_counts`
    in the page's context): nothing is counted inside the request; without counts (no snapshot
    yet, or one older than them) the section says they are being counted."""
    request = context["request"]
    filters = metrics.filters_from(request.GET)
    counts = context.get("outcome_counts")
    figures = metrics.figures_from(counts, **filters) if counts else None
    if figures is not None:
        # The figures' names are kept in English (the snapshot, the CSV); shown in the reader's.
        figures |= {
            "figures": [
                replace(f, label=gettext(f.label), source=source_shown(f.source))
                for f in figures["figures"]
            ],
            "period_label": gettext(figures["period_label"]),
        }
    return {
        "outcomes": figures,
        "chart": metrics.chart_data(figures) if figures is not None else None,
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
