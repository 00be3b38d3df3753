"""A specialist keeps their profile; a coordinator verifies licences and sees those expiring."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil

from secondopinion.errors import ApplicationError
from secondopinion.notifications.models import Notification
from specialists import selectors, services
from specialists.models import Licence, Specialist, Specialty, UnavailablePeriod
from tests.factories import SpecialistFactory, UserFactory

TODAY = timezone.localdate


@pytest.mark.any_day
def test_a_licence_that_has_already_expired_is_refused(actors):
    yesterday = TODAY() - timedelta(days=1)

    with pytest.raises(ApplicationError) as error:
        services.add_licence(
            specialist=actors.dr_smith,
            by=actors.dr_smith.user,
            jurisdiction="US-CA",
            number="A12345",
            expires_on=yesterday,
        )

    assert error.value.message == (
        f"That licence expired on {yesterday:%-d %b %Y}. Add a licence that is valid today, with "
        "the expiry date printed on it."
    )
    assert error.value.field == "expires_on"
    assert not Licence.objects.filter(number="A12345").exists()


def test_a_new_licence_waits_for_a_coordinator(actors):
    licence = services.add_licence(
        specialist=actors.dr_smith,
        by=actors.dr_smith.user,
        jurisdiction="US-CA",
        number="A12345",
        expires_on=TODAY() + timedelta(days=400),
    )

    assert not licence.is_verified


@pytest.mark.any_day
def test_overlapping_time_away_is_refused(actors):
    start = TODAY() + timedelta(days=10)
    services.add_unavailable_period(
        specialist=actors.dr_smith,
        by=actors.dr_smith.user,
        starts_on=start,
        ends_on=start + timedelta(days=6),
    )

    with pytest.raises(ApplicationError) as error:
        services.add_unavailable_period(
            specialist=actors.dr_smith,
            by=actors.dr_smith.user,
            starts_on=start + timedelta(days=6),
            ends_on=start + timedelta(days=9),
        )
    services.add_unavailable_period(  # the day after is fine
        specialist=actors.dr_smith,
        by=actors.dr_smith.user,
        starts_on=start + timedelta(days=7),
        ends_on=start + timedelta(days=9),
    )

    first = UnavailablePeriod.objects.order_by("starts_on").first()
    assert error.value.message == (
        f"This overlaps the time away you already added, {first}. Change the dates, or remove "
        "that period first."
    )
    assert UnavailablePeriod.objects.count() == 2


@pytest.mark.any_day
def test_time_away_must_end_after_it_starts(actors):
    start = TODAY() + timedelta(days=3)
    with pytest.raises(ApplicationError, match="The last day can't be before the first day"):
        services.add_unavailable_period(
            specialist=actors.dr_smith,
            by=actors.dr_smith.user,
            starts_on=start,
            ends_on=start - timedelta(days=1),
        )


def test_a_specialist_cannot_change_someone_elses_profile(actors):
    with pytest.raises(ApplicationError, match="only change your own profile"):
        services.add_certification(
            specialist=actors.dr_jones,
            by=actors.dr_smith.user,
            name="Cardiology",
            board="",
            year=None,
        )


def test_verifying_a_licence_verifies_a_new_specialist_and_tells_them(actors):
    new = SpecialistFactory(user__full_name="Dr Nia New", licence__verified_at=None)
    licence = new.licences.get()

    services.verify_licence(licence=licence, by=actors.cora)

    new.refresh_from_db()
    licence.refresh_from_db()
    assert new.is_verified
    assert (licence.verified_by, licence.is_verified) == (actors.cora, True)
    assert Notification.objects.filter(
        user=new.user, message__startswith=f"Your licence {licence.number} for England was verified"
    ).exists()
    with pytest.raises(ApplicationError, match="was already verified"):
        services.verify_licence(licence=licence, by=actors.cora)


def test_only_coordinators_verify_licences(actors):
    with pytest.raises(ApplicationError, match="Only coordinators verify licences"):
        services.verify_licence(licence=actors.dr_jones.licences.get(), by=actors.dr_smith.user)


@pytest.mark.any_day
def test_the_credentials_page_lists_licences_to_verify_and_those_expiring_within_60_days(
    client, actors
):
    SpecialistFactory(user__full_name="Dr Nia New", licence__verified_at=None)
    SpecialistFactory(
        user__full_name="Dr Sam Soon", licence__expires_on=TODAY() + timedelta(days=60)
    )
    SpecialistFactory(
        user__full_name="Dr Lou Later", licence__expires_on=TODAY() + timedelta(days=61)
    )
    client.force_login(actors.cora)

    page = client.get(reverse("specialists:credentials")).text

    to_verify = page[page.index("Licences to verify") : page.index("Licences expiring soon")]
    expiring = page[page.index("Licences expiring soon") :]
    assert "Dr Nia New" in to_verify and "Dr Sarah Smith" not in to_verify
    assert "Dr Sam Soon" in expiring and "Dr Lou Later" not in expiring


def _waiting_licences(count: int, *, at) -> list[Licence]:
    """`count` unverified licences, all created at the same instant (the keyset's ties)."""
    made = [
        SpecialistFactory(user__full_name=f"Dr Wait {n}", licence__verified_at=None).licences.get()
        for n in range(count)
    ]
    Licence.objects.filter(pk__in=[licence.pk for licence in made]).update(created_at=at)
    return made


def test_the_credentials_list_pages_through_every_waiting_licence_once(actors):
    waiting = _waiting_licences(5, at=timezone.now() - timedelta(days=3))
    later = _waiting_licences(1, at=timezone.now())

    seen, cursor, pages = [], "", 0
    while True:
        page = selectors.licences_to_verify(after=cursor, size=2)
        seen += [licence.pk for licence in page.licences]
        pages += 1
        assert page.count == 6 and not page.count_capped
        if page.next is None:
            break
        cursor = page.next

    assert pages == 3
    assert seen == [licence.pk for licence in sorted(waiting, key=lambda x: x.pk) + later]


def test_a_hand_edited_cursor_starts_the_credentials_list_over(actors):
    waiting = _waiting_licences(2, at=timezone.now())

    page = selectors.licences_to_verify(after="yesterday_12", size=1)

    assert page.first and [licence.pk for licence in page.licences] == [waiting[0].pk]


def test_the_credentials_page_shows_a_page_and_links_to_the_next(client, actors, monkeypatch):
    monkeypatch.setattr(selectors, "CREDENTIALS_PAGE_SIZE", 2)
    _waiting_licences(3, at=timezone.now())
    client.force_login(actors.cora)

    first = client.get(reverse("specialists:credentials"))
    next_link = re.search(r'href="\?verify=([^"]+)">Next page', first.text)
    second = client.get(reverse("specialists:credentials"), {"verify": next_link.group(1)})

    assert "3 licences in all, 2 on this page." in first.text
    assert "Dr Wait 0" in first.text and "Dr Wait 1" in first.text
    assert "Dr Wait 2" not in first.text
    assert "Dr Wait 2" in second.text and "Dr Wait 0" not in second.text
    assert "Next page" not in second.text and "First page" in second.text


def test_the_credentials_count_stops_at_its_cap(actors, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_SHOWN_UP_TO", 2)
    _waiting_licences(3, at=timezone.now())

    page = selectors.licences_to_verify()

    assert page.count == 2 and page.count_capped


def test_a_coordinator_verifies_a_licence_from_the_credentials_page(client, actors):
    new = SpecialistFactory(user__full_name="Dr Nia New", licence__verified_at=None)
    client.force_login(actors.cora)

    response = client.post(
        reverse("specialists:credentials"), {"licence": new.licences.get().pk}, follow=True
    )

    assert f"Dr Nia New&#x27;s licence {new.licences.get().number} is verified." in response.text
    assert Specialist.objects.get(pk=new.pk).is_verified


@pytest.mark.any_day
def test_the_credentials_rows_say_who_is_new_escape_what_they_show_and_each_button_posts(actors):
    new = SpecialistFactory(
        user__full_name="Dr <b>Nia</b> & New", licence__verified_at=None, licence__number="N<1>"
    )
    soon = TODAY() + timedelta(days=10)
    SpecialistFactory(user__full_name="Dr <i>Sam</i>", licence__expires_on=soon)
    client = Client(enforce_csrf_checks=True)  # the button's form must carry a valid token
    client.force_login(actors.cora)
    url = reverse("specialists:credentials")

    page = client.get(url).text

    to_verify = page[page.index("Licences to verify") : page.index("Licences expiring soon")]
    expiring = page[page.index("Licences expiring soon") :]
    assert "<b>" not in page and "<i>" not in page and "N<1>" not in page
    assert 'Dr &lt;b&gt;Nia&lt;/b&gt; &amp; New <span class="usa-tag">New</span>' in to_verify
    assert "Dr &lt;b&gt;Nia&lt;/b&gt; &amp; New's licence N&lt;1&gt;</span>" in to_verify
    assert (
        f"<td>Dr &lt;i&gt;Sam&lt;/i&gt;</td><td>{Licence.objects.get(specialist__user__full_name='Dr <i>Sam</i>').number}</td>"
        in expiring
    )
    assert f"<td>{soon.day} {soon:%b} {soon.year} (in {timeuntil(soon)})</td>" in expiring
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', to_verify)[1]

    client.post(url, {"csrfmiddlewaretoken": token, "licence": new.licences.get().pk})

    assert Specialist.objects.get(pk=new.pk).is_verified


def test_a_specialist_starts_and_saves_their_profile(client, db):
    from secondopinion.accounts.models import Role

    user = UserFactory(full_name="Dr Fay Fresh", role=Role.SPECIALIST)
    client.force_login(user)
    oncology = Specialty.objects.get(name="Medical oncology")
    breast = Specialty.objects.get(name="Breast oncology")

    response = client.post(
        reverse("specialists:profile-edit"),
        {
            "specialties": [oncology.pk, breast.pk],
            "expertise": "Triple-negative breast cancer",
            "languages": ["en", "fr"],
            "institution": "Royal Marsden Hospital",
            "bio": "Twenty years in breast cancer care.",
            "max_open_cases": "4",
            "typical_turnaround_days": "6",
            "preferred_topics": ["treatment_options"],
        },
        follow=True,
    )

    assert "Your profile is saved." in response.text
    specialist = Specialist.objects.get(user=user)
    assert specialist.specialty == "Medical oncology, Breast oncology"
    assert sorted(row.language for row in specialist.languages.all()) == ["en", "fr"]
    assert (specialist.max_open_cases, specialist.is_verified) == (4, False)


def test_a_refused_licence_keeps_what_was_typed_and_says_why_next_to_the_field(client, actors):
    client.force_login(actors.dr_smith.user)

    response = client.post(
        reverse("specialists:licence-add"),
        {"jurisdiction": "US-NY", "number": "NY-998877", "expires_on": "2020-01-31"},
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "That licence expired on 31 Jan 2020." in response.text
    assert 'value="NY-998877"' in response.text
    assert 'value="2020-01-31"' in response.text


@pytest.mark.any_day
def test_a_refused_time_away_keeps_what_was_typed(client, actors):
    start = TODAY() + timedelta(days=5)
    UnavailablePeriod.objects.create(
        specialist=actors.dr_smith, starts_on=start, ends_on=start + timedelta(days=2)
    )
    client.force_login(actors.dr_smith.user)

    response = client.post(
        reverse("specialists:unavailability-add"),
        {"starts_on": f"{start:%Y-%m-%d}", "ends_on": f"{start:%Y-%m-%d}", "note": "Congress"},
    )

    assert "This overlaps the time away you already added" in response.text
    assert 'value="Congress"' in response.text


def test_the_profile_shows_each_part_and_an_item_can_be_removed(client, actors):
    client.force_login(actors.dr_smith.user)
    licence = actors.dr_smith.licences.get()

    page = client.get(reverse("specialists:profile")).text
    removed = client.post(
        reverse("specialists:profile-item-remove"),
        {"kind": "licence", "item": licence.pk},
        follow=True,
    )
    foreign = client.post(
        reverse("specialists:profile-item-remove"),
        {"kind": "licence", "item": actors.dr_jones.licences.get().pk},
        follow=True,
    )

    assert f"{licence.number}, valid in England" in page
    assert (
        "Board certified in Medical oncology (Example Board, 2010)" in actors.dr_smith.credentials
    )
    assert "Removed from your profile." in removed.text
    assert "That item is no longer on your profile." in foreign.text
    assert actors.dr_jones.licences.exists()


def test_past_affiliations_are_checked_for_sense(actors):
    with pytest.raises(ApplicationError, match="last year can't be before the first year"):
        services.add_affiliation(
            specialist=actors.dr_smith,
            by=actors.dr_smith.user,
            institution="City Hospital",
            start_year=2015,
            end_year=2012,
        )


def test_the_specialist_home_shows_offers_reviews_and_capacity(client, actors):
    from cases.models import Status

    offered = actors.case(Status.OFFERED)
    reviewing = actors.case(Status.IN_REVIEW)
    away = date.today() + timedelta(days=20)
    UnavailablePeriod.objects.create(specialist=actors.dr_smith, starts_on=away, ends_on=away)
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("specialists:home")).text

    offers = page[page.index("Offers waiting for your answer") : page.index("Opinions to write")]
    reviews = page[page.index("Opinions to write") : page.index("Returned to you to revise")]
    assert offered.reference in offers
    assert reverse("specialists:offer-accept", args=[offered.reference]) in offers
    assert reviewing.reference in reviews and "Opinion due" in reviews
    # The date its review is due by, as the transition into review stored it.
    reviewing.refresh_from_db()
    assert reviewing.step_due_on is not None and f"{reviewing.step_due_on:%-d %b %Y}" in reviews
    assert "You have <strong>2</strong> of at most <strong>10</strong> cases open" in page
    assert f"{away:%-d %b %Y}" in page
