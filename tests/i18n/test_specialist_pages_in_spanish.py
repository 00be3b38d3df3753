"""The specialists' pages, and the coordinator's matching and credentials pages, in Spanish: each
English sentence is gone but for names and what people typed (case content stays as written)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Status
from cases.regions import REGIONS
from specialists import offers
from specialists.models import Licence, Specialty
from tests.i18n.pages import english_left, sentences

# Proper names and people's own words on these pages: the specialists, the seeded specialties
# and regions, a licence number, a bio and an institution, as typed.
NAMES = re.compile(r"^(Dr [A-Z][a-z]+ [A-Z][a-z]+|Cora Coordinator|([A-Z]{2}(-[A-Z]+)? )?GMC\d+)$")
# Not this page's words: the shared form template's "(optional)" (templates/forms/field.html).
SHARED = {"(optional)"}


def _data() -> set[str]:
    """Names kept as data, the same in both languages: the regions (places), the controlled list
    of specialties (kept in the admin), and languages whose names Spanish shares."""
    regions = {name for __, options in REGIONS for __, name in options}
    return regions | set(Specialty.objects.values_list("name", flat=True)) | {"Hindi", "Urdu"}


def _left(client, user, url: str, *, same=frozenset()) -> list[str]:
    data = _data()
    found = english_left(client, user, url, same={*same, *SHARED, *data})
    return [
        text
        for text in found
        if not NAMES.match(text) and not set(re.split(r", |: ", text)) <= data
    ]


def _names(specialist) -> set[str]:
    return {
        specialist.institution,
        specialist.bio,
        specialist.specialty,
        str(specialist.specialty),
        *(licence.jurisdiction_name for licence in specialist.licences.all()),
    }


@pytest.fixture
def offered(actors):
    case = actors.case(Status.MATCHING)
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db
def test_the_specialists_home_with_offers_and_work_is_in_spanish(client, actors, offered):
    actors.case(Status.IN_REVIEW)
    Licence.objects.filter(specialist=actors.dr_smith).update(
        expires_on=timezone.localdate() + timedelta(days=20)
    )
    same = {"Biopsy result"}
    assert _left(client, actors.dr_smith.user, reverse("specialists:home"), same=same) == []


@pytest.mark.django_db
def test_the_specialists_profile_pages_are_in_spanish(client, actors):
    user = actors.dr_smith.user
    same = _names(actors.dr_smith)
    left = {}
    for name in (
        "profile",
        "profile-edit",
        "licence-add",
        "certification-add",
        "affiliation-add",
        "relationship-add",
        "unavailability-add",
        "conflict-declare",
    ):
        left[name] = _left(client, user, reverse(f"specialists:{name}"), same=same)
    assert {name: found for name, found in left.items() if found} == {}


@pytest.mark.django_db
def test_a_new_specialist_without_a_profile_reads_spanish(client, db):
    from secondopinion.accounts.models import Role
    from tests.factories import UserFactory

    newcomer = UserFactory(role=Role.SPECIALIST, full_name="Dr Ana Nueva")
    for name in ("home", "profile", "profile-edit"):
        assert _left(client, newcomer, reverse(f"specialists:{name}")) == [], name


@pytest.mark.django_db
def test_the_offer_pages_are_in_spanish(client, actors, offered):
    user = actors.dr_smith.user
    for name in ("offer-accept", "offer-decline"):
        url = reverse(f"specialists:{name}", args=[offered.reference])
        assert _left(client, user, url, same={offered.question}) == [], name


@pytest.mark.django_db
def test_the_coordinators_matching_pages_are_in_spanish(client, actors):
    case = actors.case(Status.MATCHING)
    Case.objects.filter(pk=case.pk).update(report_language="en", treating_institution="City Clinic")
    case = Case.objects.get(pk=case.pk)
    same = {
        case.treatment,  # the patient's words, as written
        f"{case.treating_doctor}, {case.treating_institution}",
        f"{actors.dr_smith.specialty}, {actors.dr_smith.institution}",
        *_names(actors.dr_smith),
        *_names(actors.dr_jones),
    }
    left = {}
    for name in ("match", "case-conflict-add", "match-language-waive"):
        url = reverse(f"specialists:{name}", args=[case.reference])
        left[name] = _left(client, actors.cora, url, same=same)
    assert {name: found for name, found in left.items() if found} == {}


@pytest.mark.django_db
def test_the_credentials_page_is_in_spanish(client, actors):
    Licence.objects.filter(specialist=actors.dr_jones).update(verified_at=None)
    Licence.objects.filter(specialist=actors.dr_smith).update(
        expires_on=timezone.localdate() + timedelta(days=20)
    )
    same = {*_names(actors.dr_smith), *_names(actors.dr_jones)}
    assert _left(client, actors.cora, reverse("specialists:credentials"), same=same) == []


@pytest.mark.django_db
def test_bad_input_on_the_licence_form_is_refused_in_spanish(client, actors):
    user = actors.dr_smith.user
    user.language = "es"
    user.save()
    client.force_login(user)
    yesterday = timezone.localdate() - timedelta(days=1)

    empty = client.post(reverse("specialists:licence-add"), {}).text
    expired = client.post(
        reverse("specialists:licence-add"),
        {"jurisdiction": "GB", "number": "GMC1", "expires_on": f"{yesterday:%Y-%m-%d}"},
    ).text

    assert "Introduzca el número de licencia." in empty
    assert "Elija dónde es válida la licencia." in empty
    assert "Esa licencia venció el" in expired or "Elija dónde es válida" in expired
    assert "Enter the licence number." not in empty


@pytest.mark.django_db
def test_the_english_pages_are_unchanged(client, actors, offered):
    client.force_login(actors.dr_smith.user)
    home = client.get(reverse("specialists:home")).text
    accept = client.get(reverse("specialists:offer-accept", args=[offered.reference])).text

    assert "Offers waiting for your answer" in home
    assert "You have <strong>1</strong> of at most <strong>10</strong> cases open" in home
    assert f"Case {offered.reference} is offered to you. Answer by <strong>" in accept
    assert "I have no conflict of interest with this case" in accept


@pytest.mark.django_db
def test_the_patient_reads_who_their_specialist_is_and_what_was_checked_in_spanish(client, actors):
    """The case page's section on the specialist (the rest of the case page is not this part's)."""
    case = actors.case(Status.IN_REVIEW)
    url = reverse("cases:case-detail", args=[case.reference])
    parts = {}
    for language in ("en-gb", "es"):
        actors.alice.language = language
        actors.alice.save(update_fields=["language"])
        client.force_login(actors.alice)
        page = client.get(url).text
        begin = page.index('id="assigned-specialist">') + len('id="assigned-specialist">')
        parts[language] = sentences(page[begin : page.index("</section>", begin)])
    smith = actors.dr_smith
    same = {str(smith), f"{smith.specialty}, {smith.institution}", smith.bio}
    assert sorted(parts["en-gb"] & parts["es"] - same) == []
    assert "Board certified in Medical oncology (Example Board, 2010)" in " ".join(parts["en-gb"])
