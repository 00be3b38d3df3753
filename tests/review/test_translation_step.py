"""The translation step (issue #19): a case whose report language was waived for a specialist who
does not write it is delivered only with a translation attested by its translator, which a revised
opinion invalidates; coordinators enter it, the patient sees it only once delivered."""

import pytest
from django.urls import reverse

from cases.models import Case, Status
from review import reports, translations
from review import services as review_services
from review.models import Opinion, OpinionTranslation, Report
from review.reports import render_report
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from specialists import offers
from specialists.services import waive_report_language
from tests.factories import OPINION, _write_and_submit_opinion

TRANSLATED = {
    "diagnosis": "Carcinoma ductal in situ, no invasivo",
    "reasoning": "Los márgenes de la laminilla 4 no muestran invasión.",
    "recommendations": "Cirugía conservadora de mama; la quimioterapia no está indicada.",
    "plain_summary": "El cáncer no se ha extendido al tejido cercano. La cirugía sola "
    "probablemente sea suficiente.",
    "helpful_tests": "Una mamografía de control en seis meses.",
}


def waived_case(actors, status: str = Status.OPINION_SUBMITTED) -> Case:
    """alice's case asking for a Spanish report, waived for dr_smith (who writes only English)
    and walked to `status` (opinion submitted, with a stand-in PDF, or in review)."""
    case = actors.case(Status.MATCHING)
    Case.objects.filter(pk=case.pk).update(report_language="es")
    case.refresh_from_db()
    waive_report_language(case=case, by=actors.cora, reason="No Spanish-writing oncologist free.")
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)
    if status == Status.OPINION_SUBMITTED:
        _write_and_submit_opinion(case, actors.dr_smith)
    return Case.objects.get(pk=case.pk)


def attest(case, by, **changes) -> OpinionTranslation:
    return translations.attest_translation(
        case=case,
        by=by,
        source_language="en",
        attested=True,
        qualification="Certified medical translator (ATA)",
        **{**TRANSLATED, **changes},
    )


def render_current(case) -> Report:
    opinion = Opinion.objects.get(case=case)
    return render_report(opinion_id=opinion.pk, revision=opinion.revision)


def test_delivery_is_refused_while_the_waived_case_has_no_attested_translation(actors):
    case = waived_case(actors)

    with pytest.raises(ApplicationError) as refused:
        review_services.deliver_opinion(case=case, by=actors.cora)

    assert "Enter its translation, attested by the translator" in refused.value.message
    assert "Spanish" in refused.value.message
    assert Case.objects.get(pk=case.pk).status == Status.OPINION_SUBMITTED


def test_delivery_waits_for_the_pdf_that_holds_the_translation(actors):
    case = waived_case(actors)
    attest(case, actors.cora)

    with pytest.raises(ApplicationError) as refused:
        review_services.deliver_opinion(case=case, by=actors.cora)

    assert "The PDF report with the translation is still being prepared" in refused.value.message


def test_an_attested_translation_lets_the_opinion_be_delivered_with_it(actors):
    case = waived_case(actors)
    translation = attest(case, actors.cora)
    report = render_current(case)

    review_services.deliver_opinion(case=case, by=actors.cora)

    assert Case.objects.get(pk=case.pk).status == Status.DELIVERED
    assert report.translation == translation
    assert translation.translator == actors.cora and translation.attested_at is not None
    assert "from English into Spanish" in translation.attestation
    event = AuditEvent.objects.get(action="translation.attest", case_id=case.pk)
    assert event.actor == actors.cora and event.detail["language"] == "es"
    # The patient's side sees the version with the translation only, not the one without it.
    delivered = Case.objects.get(pk=case.pk)
    assert list(review_services.selectors.delivered_reports_for(delivered)) == [report]


def test_a_case_whose_specialist_writes_the_language_needs_no_translation(actors):
    case = actors.case(Status.OPINION_SUBMITTED)  # English, no waiver

    assert not translations.needs_translation(case)
    with pytest.raises(ApplicationError, match="needs no translation"):
        attest(case, actors.cora)
    review_services.deliver_opinion(case=case, by=actors.cora)


def test_a_revised_opinion_needs_its_translation_attested_again(actors):
    case = waived_case(actors)
    attest(case, actors.cora)
    render_current(case)
    case = review_services.return_opinion(case=case, by=actors.cora, comments="Add the risks.")
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, plain_summary="Low.")
    review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    render_current(case)

    with pytest.raises(ApplicationError) as refused:
        review_services.deliver_opinion(case=Case.objects.get(pk=case.pk), by=actors.cora)

    assert "revised after it was translated" in refused.value.message
    assert translations.translation_in_force(Opinion.objects.get(case=case)) is None
    attest(case, actors.cora, plain_summary="Bajo.")
    render_current(case)
    review_services.deliver_opinion(case=Case.objects.get(pk=case.pk), by=actors.cora)
    assert Case.objects.get(pk=case.pk).status == Status.DELIVERED


def test_the_translation_must_cover_what_the_specialist_wrote_and_be_attested(actors):
    case = waived_case(actors)

    with pytest.raises(ApplicationError) as missing:
        attest(case, actors.cora, reasoning=" ")
    with pytest.raises(ApplicationError) as extra:
        attest(case, actors.cora, clinical_trials="NCT0001")
    with pytest.raises(ApplicationError) as unattested:
        translations.attest_translation(
            case=case, by=actors.cora, source_language="en", attested=False, **TRANSLATED
        )

    assert missing.value.field == "reasoning"
    assert extra.value.field == "clinical_trials"
    assert unattested.value.field == "attested"
    assert not OpinionTranslation.objects.exists()


def test_only_a_coordinator_can_attest_a_translation(actors):
    case = waived_case(actors)

    for someone in (actors.dr_smith.user, actors.alice):
        with pytest.raises(ApplicationError, match="Only a coordinator"):
            attest(case, someone)


def test_the_coordinator_enters_the_translation_on_its_page(client, actors):
    case = waived_case(actors)
    client.force_login(actors.cora)
    url = reverse("review:opinion-translation", args=[case.reference])

    page = client.get(url).text
    refused = client.post(url, {"source_language": "en", **TRANSLATED})
    posted = client.post(url, {"source_language": "en", "attested": "on", **TRANSLATED})

    assert OPINION["reasoning"] in page  # the specialist's text beside each field
    assert "I translated this opinion from English into Spanish myself" in page
    assert "Confirm that you translated the opinion faithfully." in refused.text
    assert TRANSLATED["reasoning"] in refused.text  # what was typed is kept
    assert posted.status_code == 302
    assert OpinionTranslation.objects.get().reasoning == TRANSLATED["reasoning"]
    case_page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Change the translation" in case_page and "Cora Coordinator" in case_page


def test_the_case_page_tells_the_coordinator_a_translation_is_needed(client, actors):
    case = waived_case(actors)
    client.force_login(actors.cora)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert 'id="translation-needed"' in page
    assert reverse("review:opinion-translation", args=[case.reference]) in page


def test_a_refused_delivery_says_why_on_the_case_page(client, actors):
    case = waived_case(actors)
    client.force_login(actors.cora)
    detail = reverse("cases:case-detail", args=[case.reference])

    response = client.post(
        reverse("review:opinion-deliver", args=[case.reference]), HTTP_REFERER=detail, follow=True
    )

    assert "Enter its translation, attested by the translator" in response.text
    assert Case.objects.get(pk=case.pk).status == Status.OPINION_SUBMITTED


@pytest.mark.parametrize("who", ["alice", "dr_smith", "dr_jones", "bob"])
def test_no_one_but_coordinators_opens_the_translation_page(client, actors, who):
    case = waived_case(actors)
    user = getattr(actors, who)
    client.force_login(getattr(user, "user", user))
    url = reverse("review:opinion-translation", args=[case.reference])

    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"source_language": "en", "attested": "on", **TRANSLATED}).status_code
        == 404
    )
    assert not OpinionTranslation.objects.exists()


def test_the_translation_page_of_an_unknown_or_untranslated_case_is_a_404(client, actors):
    english = actors.case(Status.OPINION_SUBMITTED)
    client.force_login(actors.cora)

    assert client.get(reverse("review:opinion-translation", args=["SO-NOPE"])).status_code == 404
    assert (
        client.get(reverse("review:opinion-translation", args=[english.reference])).status_code
        == 404
    )


def test_the_patient_sees_the_translation_only_once_delivered(client, actors):
    case = waived_case(actors)
    attest(case, actors.cora)
    report = render_current(case)
    client.force_login(actors.alice)
    detail = reverse("cases:case-detail", args=[case.reference])
    download = reverse("review:report-download", args=[case.reference, report.version])

    before = client.get(detail).text
    assert TRANSLATED["reasoning"] not in before
    client.force_login(actors.dr_smith.user)  # the specialist does not see it on the page either
    assert 'id="translation-step"' not in client.get(detail).text
    client.force_login(actors.alice)
    assert client.get(download).status_code == 404

    review_services.deliver_opinion(case=case, by=actors.cora)

    after = client.get(detail).text
    assert TRANSLATED["reasoning"] in after
    assert "who attested the translation on" in after
    assert client.get(download).status_code == 200


def test_the_translation_cannot_change_once_delivered(actors):
    case = waived_case(actors)
    attest(case, actors.cora)
    render_current(case)
    review_services.deliver_opinion(case=case, by=actors.cora)

    with pytest.raises(ApplicationError, match="until it is delivered"):
        attest(Case.objects.get(pk=case.pk), actors.cora, reasoning="Otra cosa.")


def test_the_beat_task_renders_a_translated_report_whose_task_was_lost(actors):
    case = waived_case(actors)
    opinion = Opinion.objects.get(case=case)
    assert (opinion.pk, opinion.revision, 0) not in reports.opinions_missing_reports()

    attest(case, actors.cora)  # its render task never ran (the test commits nothing)

    assert (opinion.pk, opinion.revision, 0) in reports.opinions_missing_reports()
    render_current(case)
    assert (opinion.pk, opinion.revision, 0) not in reports.opinions_missing_reports()
