"""Where a licence is valid, in the codes of the case's `patient_region` (ISO 3166-2).

A licence may be for one region (US-CA, GB-SCT) or, where one registration covers a whole
country (the UK's GMC), for the country's code (GB), which covers each of its regions.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.regions import OTHER, REGIONS

COUNTRY_WIDE = [("GB", _("United Kingdom"))]
_COUNTRY_CODES = frozenset(code for code, _ in COUNTRY_WIDE)


def licence_jurisdiction_choices() -> list:
    """Grouped choices for a licence's jurisdiction: whole countries, then every region."""
    regions = [
        (group, options) for group, options in REGIONS if all(c != OTHER for c, __ in options)
    ]
    countries = [
        (code, gettext("%(country)s (the whole country)") % {"country": name})
        for code, name in COUNTRY_WIDE
    ]
    return [(gettext("Whole country"), countries), *regions]


def region_name(code: str) -> str:
    names = dict(COUNTRY_WIDE)
    for __, options in REGIONS:
        names.update(options)
    return str(names.get(code, code))


def jurisdictions_covering(region: str) -> list[str]:
    """The licence jurisdictions valid for a patient living in `region`."""
    country = region.split("-", 1)[0]
    return [region, country] if country in _COUNTRY_CODES and country != region else [region]
