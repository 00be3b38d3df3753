"""The matching page's two tables written in Python (secondopinion.rows says why): the ranked
specialists, each with the six parts of their score explained, and those left out, each with
why. Through the template engine the twenty ranked rows and fifty left out took about a third
of the page. The markup and phrases are the ones specialists/match.html had; every value is
escaped."""

from collections.abc import Iterable

from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .matching import Candidate, Exclusion
from .models import Specialty


def ranked_rows(
    ranked: Iterable[Candidate], *, chosen: Specialty | None, csrf_token: str
) -> SafeString:
    """The ranked table's rows, best first; each row's Offer button posts that specialist
    (and the specialty the coordinator chose, if any)."""
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    specialty = (
        f'<input type="hidden" name="specialty"\n              value="{chosen.pk}">'
        if chosen
        else ""
    )
    offer = gettext("Offer")
    rows = []
    for rank, candidate in enumerate(ranked, start=1):
        specialist = candidate.specialist
        name = escape(specialist)
        # The shortlist's specialties, by name (candidates.shortlist).
        where = str(escape(specialist.specialty_names))  # type: ignore[attr-defined]
        if specialist.institution:
            where += f", {escape(specialist.institution)}"
        parts = "".join(
            "\n            <li><strong\n                >"
            + gettext("%(name)s, %(points)s of %(out_of)s:")
            % {
                "name": escape(part.name),
                "points": floatformat(part.points, "-1"),
                "out_of": part.out_of,
            }
            + f"</strong> {escape(part.reason)}</li>"
            for part in candidate.parts
        )
        score = gettext("%(score)s of 100") % {"score": floatformat(candidate.score, "-1")}
        to_whom = gettext(" to %(specialist)s") % {"specialist": name}
        rows.append(
            "\n        <tr>\n"
            f"          <td>{rank}</td>\n"
            f'          <th scope="row">{name}<br><span\n'
            f'              class="usa-hint">{where}</span></th>\n'
            f"          <td>{score}</td>\n"
            f'          <td><ul class="usa-list usa-list--unstyled font-body-2xs">{parts}</ul\n'
            "              ></td>\n"
            f'          <td><form method="post">{token}<input type="hidden" name="specialist"\n'
            f'              value="{specialist.pk}">{specialty}<button class="usa-button" '
            f'type="submit">{offer}<span\n'
            f'              class="usa-sr-only">{to_whom}</span></button></form></td>\n'
            "        </tr>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value is escaped)


def excluded_rows(excluded: Iterable[Exclusion]) -> SafeString:
    """The left-out table's rows: each specialist with every rule that left them out and why."""
    rows = []
    for exclusion in excluded:
        rules = "<br>".join(escape(reason.rule) for reason in exclusion.reasons)
        texts = "<br>".join(escape(reason.text) for reason in exclusion.reasons)
        rows.append(
            "\n        <tr>\n"
            f'          <th scope="row">{escape(exclusion.specialist)}</th>\n'
            f"          <td>{rules}</td>\n"
            f"          <td>{texts}</td>\n"
            "        </tr>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value is escaped)
