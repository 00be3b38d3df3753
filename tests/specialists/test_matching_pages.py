"""The coordinator's matching page, the specialist's answer pages, and what the patient sees."""

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Status
from specialists import offers
from specialists.models import Offer


def test_the_case_page_sends_the_coordinator_to_the_matching_page(client, actors, matching_case):
    case = matching_case()
    client.force_login(actors.cora)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert (
        f'href="{reverse("specialists:match", args=[case.reference])}">Offer to a specialist'
        in page
    )


def test_the_matching_page_ranks_with_reasons_and_lists_who_was_left_out_and_why(
    client, actors, matching_case, specialist
):
    case = matching_case(treating_institution="City Hospital")
    specialist("Dr Ivy Insider", institution="City Hospital")
    client.force_login(actors.cora)

    page = client.get(reverse("specialists:match", args=[case.reference])).text

    ranked = page[page.index('id="ranked"') : page.index('id="excluded"')]
    excluded = page[page.index('id="excluded"') :]
    assert "Dr Sarah Smith" in ranked and "Dr Ivy Insider" not in ranked
    assert "Specialty, 25 of 35:</strong> Specialty: Medical oncology." in ranked
    assert "Dr Ivy Insider" in excluded
    assert "Works at City Hospital, where the patient is treated." in excluded
    assert "Offer to the top match automatically" in page


def test_the_matching_pages_rows_escape_what_they_show_and_each_offer_button_posts(
    actors, matching_case, specialist
):
    case = matching_case(treating_institution="City Hospital")
    ranked_one = specialist("Dr <b>Bold</b> & Co", institution="St <i>Mary</i>'s")
    specialist("Dr <script>x</script>", institution="City Hospital")  # left out: a conflict
    client = Client(enforce_csrf_checks=True)  # the button's form must carry a valid token
    client.force_login(actors.cora)
    url = reverse("specialists:match", args=[case.reference])

    page = client.get(url).text

    ranked = page[page.index('id="ranked"') : page.index('id="excluded"')]
    excluded = page[page.index('id="excluded"') :]
    assert "<b>Bold</b>" not in ranked and "<i>Mary</i>" not in ranked
    assert "Dr &lt;b&gt;Bold&lt;/b&gt; &amp; Co<br>" in ranked
    assert "St &lt;i&gt;Mary&lt;/i&gt;&#x27;s</span>" in ranked
    assert '<span\n              class="usa-sr-only"> to Dr &lt;b&gt;Bold' in ranked
    assert "<script>x</script>" not in page
    assert "Dr &lt;script&gt;x&lt;/script&gt;</th>" in excluded
    row = ranked[ranked.index("Dr &lt;b&gt;Bold") :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row)[1]

    response = client.post(url, {"csrfmiddlewaretoken": token, "specialist": ranked_one.pk})

    assert response.status_code == 302
    assert Offer.objects.get(case=case, status=Offer.Status.OPEN).specialist == ranked_one


def test_the_matching_page_lists_the_best_few_of_a_long_ranking(
    client, actors, matching_case, specialist, monkeypatch
):
    from specialists import views

    monkeypatch.setattr(views, "RANKED_SHOWN", 1)
    case = matching_case()
    # Quicker than everyone else (full turnaround points): ranked first.
    specialist("Dr Fay Fast", typical_turnaround_days=2)
    client.force_login(actors.cora)

    page = client.get(reverse("specialists:match", args=[case.reference])).text

    ranked = page[page.index('id="ranked-heading"') : page.index('id="excluded-heading"')]
    assert "The best 1 of the 2 specialists who may be offered this case." in ranked
    assert "Dr Fay Fast" in ranked and "Dr Sarah Smith" not in ranked


def test_offering_from_the_matching_page_offers_the_case(client, actors, matching_case):
    case = matching_case()
    client.force_login(actors.cora)

    response = client.post(
        reverse("specialists:match", args=[case.reference]),
        {"specialist": actors.dr_smith.pk},
        follow=True,
    )

    assert "The case is offered to Dr Sarah Smith, who has been notified" in response.text
    assert Case.objects.get(pk=case.pk).status == Status.OFFERED


def test_the_second_coordinator_sees_why_their_offer_was_refused(client, actors, matching_case):
    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    from secondopinion.accounts.models import Role
    from tests.factories import UserFactory

    colin = UserFactory(full_name="Colin Coordinator", role=Role.COORDINATOR)
    client.force_login(colin)

    response = client.post(
        reverse("specialists:match", args=[case.reference]),
        {"specialist": actors.dr_jones.pk},
        follow=True,
    )

    assert (
        "You can&#x27;t offer a case that is “offered to a specialist”: Cora Coordinator offered "
        "it to Dr Sarah Smith at"
    ) in response.text
    assert Offer.objects.filter(case=case).count() == 1


def test_automatic_mode_from_the_matching_page(client, actors, matching_case):
    case = matching_case()
    client.force_login(actors.cora)

    response = client.post(
        reverse("specialists:match", args=[case.reference]), {"automatic": "on"}, follow=True
    )

    assert "The case is offered automatically (the top match) to Dr Sarah Smith" in response.text
    assert Offer.objects.get(case=case).automatic


def test_the_specialist_accepts_only_with_the_attestation(client, actors):
    case = actors.case(Status.OFFERED)
    client.force_login(actors.dr_smith.user)
    url = reverse("specialists:offer-accept", args=[case.reference])

    without = client.post(url, {})
    accepted = client.post(url, {"attested_no_conflict": "on"}, follow=True)

    assert "Confirm that you have no conflict of interest with this case" in without.text
    assert "You accepted the case." in accepted.text
    assert Case.objects.get(pk=case.pk).status == Status.IN_REVIEW


def test_an_expired_offer_page_says_so_and_accepting_it_is_refused(client, actors):
    case = actors.case(Status.OFFERED)
    Offer.objects.filter(case=case).update(respond_by=timezone.now() - timedelta(hours=1))
    from specialists.tasks import expire_overdue_offers

    expire_overdue_offers()
    client.force_login(actors.dr_smith.user)
    url = reverse("specialists:offer-accept", args=[case.reference])

    page = client.get(url).text
    refused = client.post(url, {"attested_no_conflict": "on"})

    assert "This offer expired on" in page and "Accept this case</button>" not in page
    assert "Your offer expired at" in refused.text
    assert Case.objects.get(pk=case.pk).status == Status.MATCHING


def test_the_specialist_declines_with_a_reason(client, actors):
    case = actors.case(Status.OFFERED)
    client.force_login(actors.dr_smith.user)
    url = reverse("specialists:offer-decline", args=[case.reference])

    missing = client.post(url, {"reason_code": "other", "reason": ""})
    declined = client.post(url, {"reason_code": "no_capacity"}, follow=True)

    assert "Tell us why you are declining." in missing.text
    assert "You declined the case." in declined.text
    assert Offer.objects.get(case=case).decline_category == "no_capacity"


def test_once_accepted_the_patient_sees_who_their_specialist_is_and_what_was_checked(
    client, actors
):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert "Your specialist" in page
    assert "Board certified in Medical oncology (Example Board, 2010)" in page
    assert "Consultant with twenty years of practice." in page
    assert (
        "We checked that Dr Sarah Smith has no tie to your treating hospital or to the makers of "
        "the treatment in question."
    ) in page
    assert "has not worked there in the last 5 years" in page


def test_before_anyone_accepts_the_patient_sees_no_specialist(client, actors):
    case = actors.case(Status.OFFERED)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert "Your specialist" not in page
    assert "Dr Sarah Smith" not in page


def test_a_coordinator_records_a_conflict_against_a_case(client, actors, matching_case):
    case = matching_case()
    client.force_login(actors.cora)

    response = client.post(
        reverse("specialists:case-conflict-add", args=[case.reference]),
        {"specialist": actors.dr_smith.pk, "kind": "family", "details": "Patient's cousin"},
        follow=True,
    )

    assert "The conflict is recorded: Dr Sarah Smith won&#x27;t be matched" in response.text
    assert "A family relationship with this case was declared: Patient&#x27;s cousin." in (
        response.text
    )
