"""The PDF report: rendered by the task from the opinion, stored once per revision."""

import io

from pypdf import PdfReader

from cases import services
from cases.models import Opinion, Report, Status
from cases.tasks import render_report
from tests.factories import OPINION


def _submitted_opinion(actors) -> Opinion:
    case = actors.case(Status.IN_REVIEW)
    services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)
    return services.submit_opinion(case=case, by=actors.dr_smith.user)


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
    case = services.return_opinion(
        case=case, by=actors.cora, comments="Add a plain summary of risks."
    )
    services.save_opinion_draft(case=case, by=actors.dr_smith.user, plain_summary="Risks are low.")
    opinion = services.submit_opinion(case=case, by=actors.dr_smith.user)

    assert render_report.run(opinion.pk, 1) is None  # a stale task renders nothing
    render_report.run(opinion.pk, opinion.revision)

    assert list(Report.objects.filter(case=case).values_list("version", flat=True)) == [2, 1]


def test_a_missing_report_is_found_by_the_beat_task(actors, monkeypatch):
    from cases import tasks

    opinion = _submitted_opinion(actors)
    enqueued = []
    monkeypatch.setattr(tasks.render_report, "delay", lambda *args: enqueued.append(args))

    assert tasks.render_missing_reports() == 1
    assert enqueued == [(opinion.pk, opinion.revision, 0)]  # no addenda yet
