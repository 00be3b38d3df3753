"""The structured opinion: whether the proposed treatment is supported, helpful tests, clinical
trials and urgency, on the case page and in the PDF, and a reading-ease hint for the summary."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.models import Status
from review import readability
from review import services as review_services
from review.models import Opinion, Report
from review.tasks import render_report
from secondopinion.errors import ApplicationError
from tests.factories import OPINION


def test_short_everyday_sentences_read_easier_than_long_technical_ones():
    easy = readability.measure("The cancer has not spread. Surgery is enough. You can go home.")
    hard = readability.measure(
        "Histopathological examination demonstrates intraductal proliferation without stromal "
        "invasion; consequently adjuvant chemotherapy is contraindicated."
    )
    assert easy.sentences == 3 and easy.words == 12
    assert easy.reading_ease > 70 > 50 > hard.reading_ease
    assert "easy to read" in readability.hint("The cancer has not spread. Surgery is enough.")
    assert "hard to read" in readability.hint(
        "Histopathological examination demonstrates intraductal proliferation."
    )


def test_counting_syllables_and_sentences_copes_with_odd_text():
    assert readability.count_syllables("make") == 1
    assert readability.count_syllables("table") == 2
    assert readability.count_syllables("chemotherapy") == 5
    assert readability.measure("").reading_ease == 0.0
    assert readability.measure("No full stop at the end").sentences == 1


def test_the_opinion_page_shows_the_reading_ease_of_the_summary(client, actors):
    case = actors.case(Status.IN_REVIEW)
    review_services.save_opinion_draft(
        case=case, by=actors.dr_smith.user, plain_summary="The cancer has not spread."
    )
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("review:workspace", args=[case.reference])).text

    assert "Reading ease of this summary" in page


def test_an_opinion_without_treatment_support_or_urgency_is_refused(actors):
    case = actors.case(Status.IN_REVIEW)
    answers = {k: v for k, v in OPINION.items() if k not in ("treatment_supported", "urgency")}
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **answers)

    with pytest.raises(ApplicationError) as refused:
        review_services.submit_opinion(case=case, by=actors.dr_smith.user)

    assert "Is the proposed treatment supported?" in refused.value.message
    assert "How soon should the patient act on this opinion?" in refused.value.message


def test_the_structured_parts_reach_the_case_page_and_the_pdf(client, actors):
    case = actors.case(Status.IN_REVIEW)
    review_services.save_opinion_draft(
        case=case,
        by=actors.dr_smith.user,
        **OPINION,
        clinical_trials="NCT01234567 for low-risk DCIS",
    )
    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    report = Report.objects.get(pk=render_report.run(opinion.pk, opinion.revision))
    review_services.deliver_opinion(case=case, by=actors.cora)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    pdf = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(report.file.read())).pages).split()
    )

    for text in (
        "Partly: some of it is supported",
        "Soon: within the next few weeks",
        "A repeat mammogram in six months.",
        "NCT01234567 for low-risk DCIS",
    ):
        assert text in page
        assert text in pdf
    assert Opinion.objects.get(pk=opinion.pk).treatment_supported == "partly"
