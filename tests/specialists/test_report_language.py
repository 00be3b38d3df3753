"""The report language: the intake offers the languages specialists write in, the patient is told
before submitting, matching requires the language unless a coordinator waives it with a reason
(audited, shown on the case), and a coordinator with no one left to offer has ways forward."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Status
from cases.state import seeding_case_states
from secondopinion.audit.models import AuditEvent
from specialists import offers, services
from specialists.matching import rank_specialists_for
from specialists.models import LanguageWaiver, SpecialistLanguage, UnavailablePeriod
from tests.factories import complete_draft


def names(candidates) -> list[str]:
    return [str(candidate.specialist) for candidate in candidates]


def test_the_intake_offers_only_the_languages_specialists_write_in(client, actors):
    SpecialistLanguage.objects.create(specialist=actors.dr_jones, language="es")
    case = complete_draft(actors.alice)
    client.force_login(actors.alice)
    url = reverse("cases:intake-step", args=[case.reference, "preferences"])

    page = client.get(url).text

    assert '<option value="es"' in page and '<option value="en"' in page
    assert '<option value="fr"' not in page  # no specialist writes French
    assert "Our specialists can write the report in English or Spanish (Español)." in page
    refused = client.post(url, {"urgency": "soon", "report_language": "fr"})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.text
    assert Case.objects.get(pk=case.pk).report_language == "en"


def test_the_check_page_says_which_language_the_report_will_be_in(client, actors):
    SpecialistLanguage.objects.create(specialist=actors.dr_jones, language="es")
    case = complete_draft(actors.alice, report_language="es")
    client.force_login(actors.alice)

    page = client.get(reverse("cases:intake-check", args=[case.reference])).text

    notice = page[page.index('id="report-language-notice"') :]
    assert "Your report will be written in Spanish (Español)." in notice


def test_the_check_page_warns_when_no_specialist_writes_the_chosen_language(client, actors):
    case = complete_draft(actors.alice, report_language="fr")
    client.force_login(actors.alice)

    page = client.get(reverse("cases:intake-check", args=[case.reference])).text

    assert "None of our specialists writes reports in French (Français) at the moment." in page
    assert "Your report will be written in" not in page


def test_matching_requires_the_report_language(matching_case, actors):
    case = matching_case(report_language="es")
    SpecialistLanguage.objects.create(specialist=actors.dr_jones, language="es")

    ranking = rank_specialists_for(case, explain=True)

    assert names(ranking.ranked) == []  # dr_jones writes Spanish but is a cardiologist
    smith = next(e for e in ranking.excluded if e.specialist.pk == actors.dr_smith.pk)
    assert [r.text for r in smith.reasons] == [
        "Does not write reports in Spanish, the patient's choice."
    ]
    # Offering by hand is refused for the same reason.
    from secondopinion.errors import ApplicationError

    try:
        offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    except ApplicationError as error:
        assert "Does not write reports in Spanish" in error.message
    else:
        raise AssertionError("the offer should have been refused")


def test_a_waiver_needs_a_reason_and_is_audited_and_shown_on_the_case(
    client, actors, matching_case
):
    case = matching_case(report_language="es")
    client.force_login(actors.cora)
    url = reverse("specialists:match-language-waive", args=[case.reference])

    empty = client.post(url, {"reason": "  "})
    assert "Say why the report may be written in another language." in empty.text
    assert not LanguageWaiver.objects.exists()

    response = client.post(url, {"reason": "Agreed by phone: English with a translation."})

    assert response.status_code == 302
    waiver = LanguageWaiver.objects.get(case=case)
    assert waiver.waived_by == actors.cora and waiver.language == "es"
    assert AuditEvent.objects.filter(
        action="matching.waive_language", case_id=case.pk, actor=actors.cora
    ).exists()
    assert names(rank_specialists_for(case).ranked) == ["Dr Sarah Smith"]
    match_page = client.get(reverse("specialists:match", args=[case.reference])).text
    assert "waived by Cora Coordinator" in match_page
    for user in (actors.cora, actors.alice):
        client.force_login(user)
        page = client.get(reverse("cases:case-detail", args=[case.reference])).text
        shown = page[page.index('id="language-waiver"') :]
        assert "The report may not be written in Spanish (Español)" in shown
        assert "Agreed by phone: English with a translation." in shown


def test_only_a_coordinator_waives_and_only_while_matching(actors, matching_case):
    from secondopinion.errors import ApplicationError

    case = matching_case(report_language="es")
    for by, status in ((actors.dr_smith.user, Status.MATCHING), (actors.cora, Status.TRIAGE)):
        with seeding_case_states():
            Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
        try:
            services.waive_report_language(case=case, by=by, reason="Because")
        except ApplicationError:
            pass
        else:
            raise AssertionError(f"{by} waived in {status}")
    assert not LanguageWaiver.objects.exists()


def test_with_no_one_left_the_matching_page_offers_ways_forward_in_the_app(
    client, actors, matching_case, specialist
):
    case = matching_case(report_language="es")
    away = specialist("Dr Anna Away")
    SpecialistLanguage.objects.create(specialist=away, language="es")
    today = timezone.localdate()
    UnavailablePeriod.objects.create(
        specialist=away, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=6)
    )
    client.force_login(actors.cora)

    page = client.get(reverse("specialists:match", args=[case.reference])).text

    assert "No specialist can be offered this case now." in page
    ways = page[page.index('id="ways-forward"') :]
    assert "/admin/" not in page
    assert reverse("specialists:match-language-waive", args=[case.reference]) in ways
    back_on = today + timedelta(days=7)
    assert f"Dr Anna Away is away and back on {back_on:%-d %b %Y}" in ways
    assert reverse("cases:case-cancel", args=[case.reference]) in ways


def test_with_someone_to_offer_there_are_no_ways_forward_to_show(client, actors, matching_case):
    case = matching_case()
    client.force_login(actors.cora)

    page = client.get(reverse("specialists:match", args=[case.reference])).text

    assert 'id="ways-forward"' not in page
    assert "Waive it, with a reason" in page  # the language can still be waived up front
