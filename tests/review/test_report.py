"""The PDF report: rendered by the task from the opinion, stored once per revision."""

import io
import re

from pypdf import PdfReader

from cases.models import Status
from review import services as review_services
from review import tasks as review_tasks
from review.models import Opinion, Report
from review.tasks import render_report
from tests.factories import OPINION


def _submitted_opinion(actors) -> Opinion:
    case = actors.case(Status.IN_REVIEW)
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)
    return review_services.submit_opinion(case=case, by=actors.dr_smith.user)


def test_the_report_holds_both_diagnoses_the_summary_and_the_records(actors):
    opinion = _submitted_opinion(actors)

    report_id = render_report.run(opinion.pk, opinion.revision)

    report = Report.objects.get(pk=report_id)
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(report.file.read())).pages
    )
    flat = " ".join(text.split())
    assert "Stage II ductal carcinoma" in flat
    assert "Ductal carcinoma in situ, not invasive" in flat
    assert "Surgery alone is likely enough" in flat
    assert "pathology-report.pdf" in flat.replace("- ", "-")  # a table cell may wrap a name
    assert opinion.case.reference in flat
    assert "Page 2 of" in flat


def test_running_the_report_task_twice_stores_one_report(actors):
    opinion = _submitted_opinion(actors)

    first = render_report.run(opinion.pk, opinion.revision)
    second = render_report.run(opinion.pk, opinion.revision)

    assert first == second
    assert Report.objects.filter(opinion=opinion).count() == 1


def test_a_returned_and_resubmitted_opinion_gets_a_new_version_and_keeps_the_old(actors):
    opinion = _submitted_opinion(actors)
    render_report.run(opinion.pk, opinion.revision)
    case = opinion.case
    case = review_services.return_opinion(
        case=case, by=actors.cora, comments="Add a plain summary of risks."
    )
    review_services.save_opinion_draft(
        case=case, by=actors.dr_smith.user, plain_summary="Risks are low."
    )
    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)

    assert render_report.run(opinion.pk, 1) is None  # a stale task renders nothing
    render_report.run(opinion.pk, opinion.revision)

    assert list(Report.objects.filter(case=case).values_list("version", flat=True)) == [2, 1]


def test_a_missing_report_is_found_by_the_beat_task(actors, monkeypatch):

    opinion = _submitted_opinion(actors)
    enqueued = []
    monkeypatch.setattr(review_tasks.render_report, "delay", lambda *args: enqueued.append(args))

    assert review_tasks.render_missing_reports() == 1
    assert enqueued == [(opinion.pk, opinion.revision, 0)]  # no addenda yet


def _pdf_pages(report: Report) -> list[str]:
    with report.file.open("rb") as pdf:
        return [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


def test_every_page_names_the_patient_with_date_of_birth_and_reference(actors):
    opinion = _submitted_opinion(actors)
    # Long enough to run over several pages, so headers are tested beyond the cover.
    Opinion.objects.filter(pk=opinion.pk).update(reasoning="The margins are clear. " * 400)

    report = Report.objects.get(pk=render_report.run(opinion.pk, opinion.revision))

    pages = _pdf_pages(report)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "Alice Patient" in text, number
        assert "17 May 1970" in text, number
        assert opinion.case.reference in text, number
    assert "Patient: Alice Patient" in pages[0]
    assert "Date of birth: 17 May 1970" in pages[0]


def test_names_outside_latin_1_render_and_can_be_extracted(actors):
    opinion = _submitted_opinion(actors)
    case = opinion.case
    for name in ("Łukasz Żółć-Nguyễn", "Ελένη Παπαδοπούλου", "Алёна Сергеевна", 'O\'Brien "Jo"'):
        case.patient_name = name
        case.save(update_fields=["patient_name"])
        Report.objects.filter(case=case).delete()

        report = Report.objects.get(pk=render_report.run(opinion.pk, opinion.revision))

        for text in _pdf_pages(report):
            assert name in text


def test_the_cover_and_header_carry_the_version_the_report_is_stored_as(actors):
    opinion = _submitted_opinion(actors)
    render_report.run(opinion.pk, opinion.revision)
    case = review_services.return_opinion(
        case=opinion.case, by=actors.cora, comments="Add a plain summary of risks."
    )
    review_services.save_opinion_draft(
        case=case, by=actors.dr_smith.user, plain_summary="Risks are low."
    )
    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)

    report = Report.objects.get(pk=render_report.run(opinion.pk, opinion.revision))

    assert report.version == 2
    pages = _pdf_pages(report)
    assert "Report version: 2" in pages[0]
    assert "revision 1" not in pages[0]
    assert all("version 2" in text for text in pages)


def test_a_5000_character_word_wraps_inside_the_page(actors):
    opinion = _submitted_opinion(actors)
    word = "x" * 5000
    Opinion.objects.filter(pk=opinion.pk).update(reasoning=word)

    report = Report.objects.get(pk=render_report.run(opinion.pk, opinion.revision))

    with report.file.open("rb") as pdf:
        lines = [line for page in PdfReader(pdf).pages for line in page.extract_text().split("\n")]
    runs = [len(run) for line in lines for run in re.findall(r"x{20,}", line)]
    assert sum(runs) == 5000  # every character is there
    assert max(runs) < 120  # in lines that fit the page, not one line running off it
