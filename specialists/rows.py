"""The coordinator's long tables about specialists, written in Python (secondopinion.rows says
why): the matching page's ranked specialists (each with the six parts of their score
explained) and those left out (each with why), and the credentials page's licences to verify
and licences expiring. Through the template engine the matching page's tables took about a
third of that page, the credentials page's half of it. The markup and phrases are the ones the
templates had; every value is escaped."""

from collections.abc import Iterable

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, timeuntil_filter
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from secondopinion.rows import Once

from .matching import Candidate, Exclusion
from .models import Licence, Specialty


def _token_input(csrf_token: str) -> str:
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'


def _button(
    token: str, name: str, pk: int, label: str, for_whom: str, indent: int, more: str = ""
) -> str:
    """A row's own form: one button posting `name`=`pk` (and the `more` hidden inputs), its
    label followed by who it is for, for screen readers (escaped by the caller)."""
    pad = " " * indent
    return (
        f'<form method="post">{token}<input type="hidden" name="{name}"\n'
        f'{pad}value="{pk}">{more}<button class="usa-button" type="submit">{label}<span\n'
        f'{pad}class="usa-sr-only">{for_whom}</span></button></form>'
    )


def ranked_rows(
    ranked: Iterable[Candidate], *, chosen: Specialty | None, csrf_token: str
) -> SafeString:
    """The ranked table's rows, best first; each row's Offer button posts that specialist
    (and the specialty the coordinator chose, if any)."""
    token = _token_input(csrf_token)
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
            f"          <td>{_button(token, 'specialist', specialist.pk, offer, to_whom, 14, specialty)}"
            "</td>\n"
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


def licences_to_verify_rows(licences: Iterable[Licence], *, csrf_token: str) -> SafeString:
    """The licences waiting for a coordinator, each with its Verify button (a specialist not yet
    verified by another licence is marked New)."""
    token = _token_input(csrf_token)
    once = Once()
    new = escape(gettext("New"))
    verify = escape(gettext("Verify"))
    rows = []
    for licence in licences:
        specialist = escape(licence.specialist)
        number = escape(licence.number)
        tag = "" if licence.specialist_verified else f' <span class="usa-tag">{new}</span>'  # type: ignore[attr-defined]
        whose = gettext("%(specialist)s's licence %(number)s") % {
            "specialist": specialist,
            "number": number,
        }
        rows.append(
            "\n      <tr>\n"
            f"        <td>{specialist}{tag}</td>\n"
            f"        <td>{escape(licence.specialist.specialty)}</td>\n"
            f"        <td>{number}</td>\n"
            f"        <td>{_region(once, licence)}</td>\n"
            f"        <td>{_day(once, licence)}</td>\n"
            f"        <td>{_button(token, 'licence', licence.pk, verify, whose, 12)}</td>\n"
            "      </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value is escaped)


def licences_expiring_rows(licences: Iterable[Licence]) -> SafeString:
    """Verified licences about to expire, each with its day and how long is left."""
    once = Once()
    rows = []
    for licence in licences:
        when = gettext("%(date)s (in %(left)s)") % {
            "date": _day(once, licence),
            "left": escape(timeuntil_filter(licence.expires_on)),
        }
        rows.append(
            f"\n      <tr><td>{escape(licence.specialist)}</td><td>{escape(licence.number)}</td>"
            f"<td>{_region(once, licence)}</td>\n"
            f"        <td>{when}</td></tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value is escaped)


def _region(once: Once, licence: Licence) -> str:
    return once("region", licence.jurisdiction, lambda: licence.jurisdiction_name)


def _day(once: Once, licence: Licence) -> str:
    return once("day", licence.expires_on, lambda: date_filter(licence.expires_on, "j M Y"))
