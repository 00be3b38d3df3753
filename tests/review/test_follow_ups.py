"""After delivery: follow-up questions answered as addenda (each a new report version), the
follow-up window and its limit, closing after it, and the single-use link for the patient's doctor."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.models import CaseEvent, Status
from review import reports
from review import services as review_services
from review.models import Opinion, Report, ReportShare
from review.tasks import close_cases_after_follow_up_window, render_report
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from secondopinion.notifications.models import Notification
from tests.i18n.pages import timeline_text


def _pdf_text(report: Report) -> str:
    pages = PdfReader(io.BytesIO(report.file.read())).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _delivered_days_ago(case, days: int) -> None:
    CaseEvent.objects.filter(case=case, to_status=Status.DELIVERED).update(
        at=timezone.now() - timezone.timedelta(days=days)
    )


def test_a_follow_up_is_answered_as_an_addendum_with_a_new_report_version(client, actors):
    case = actors.case(Status.DELIVERED)
    client.force_login(actors.alice)
    response = client.post(
        reverse("review:follow-up-ask", args=[case.reference]),
        {"question": "Can I wait until after my holiday?"},
    )
    assert response.status_code == 302
    follow_up = case.follow_ups.get()
    assert Notification.objects.filter(user=actors.dr_smith.user, message__contains="follow-up")

    client.force_login(actors.dr_smith.user)
    response = client.post(
        reverse("review:follow-up-answer", args=[case.reference, follow_up.pk]),
        {"answer": "Yes, a delay of four weeks is safe."},
    )
    assert response.status_code == 302
    opinion = Opinion.objects.get(case=case)
    report_id = render_report.run(opinion.pk, opinion.revision, 1)
    assert render_report.run(opinion.pk, opinion.revision, 1) == report_id  # idempotent

    versions = list(Report.objects.filter(case=case).values_list("version", "addenda"))
    assert versions == [(2, 1), (1, 0)]  # every version kept
    text = _pdf_text(Report.objects.get(pk=report_id))
    assert "Can I wait until after my holiday?" in text
    assert "Yes, a delay of four weeks is safe." in text

    client.force_login(actors.alice)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Yes, a delay of four weeks is safe." in page
    assert "Download report, version 2" in page
    assert "You can ask 2 more follow-up questions" in page


def test_a_lost_addendum_report_is_found_by_the_catch_up_task(actors):
    case = actors.case(Status.DELIVERED)
    follow_up = review_services.ask_follow_up(
        case=case, by=actors.alice, question="Is it hereditary?"
    )
    review_services.answer_follow_up(follow_up=follow_up, by=actors.dr_smith.user, answer="No.")
    opinion = Opinion.objects.get(case=case)

    assert reports.opinions_missing_reports() == [(opinion.pk, opinion.revision, 1)]


def test_a_delivered_opinion_cannot_be_edited_except_by_addendum(client, actors):
    case = actors.case(Status.DELIVERED)
    with pytest.raises(ApplicationError):
        review_services.save_opinion_draft(
            case=case, by=actors.dr_smith.user, diagnosis="Something else"
        )
    client.force_login(actors.dr_smith.user)

    get = client.get(reverse("review:opinion-edit", args=[case.reference]))
    post = client.post(
        reverse("review:opinion-edit", args=[case.reference]), {"diagnosis": "Something else"}
    )

    assert get.status_code == post.status_code == 404
    assert Opinion.objects.get(case=case).diagnosis == "Ductal carcinoma in situ, not invasive"


def test_a_follow_up_beyond_the_allowed_number_is_refused_clearly(client, actors, settings):
    settings.FOLLOW_UP_MAX_QUESTIONS = 1
    case = actors.case(Status.DELIVERED)
    review_services.ask_follow_up(case=case, by=actors.alice, question="First question?")
    client.force_login(actors.alice)

    response = client.post(
        reverse("review:follow-up-ask", args=[case.reference]), {"question": "A second one?"}
    )

    assert response.status_code == 200
    assert "You have asked the 1 follow-up questions your opinion includes" in response.text
    assert "A second one?" in response.text  # what was typed is kept
    assert case.follow_ups.count() == 1


@pytest.mark.pinned_clock
def test_a_follow_up_after_the_window_is_refused_clearly(client, actors, settings):
    settings.FOLLOW_UP_DAYS = 30
    case = actors.case(Status.DELIVERED)
    _delivered_days_ago(case, 31)
    client.force_login(actors.alice)

    response = client.post(
        reverse("review:follow-up-ask", args=[case.reference]), {"question": "Too late?"}
    )

    assert "Follow-up questions could be asked until" in response.text
    assert "that time has passed" in response.text
    assert not case.follow_ups.exists()


@pytest.mark.pinned_clock
def test_the_beat_task_closes_delivered_cases_after_the_window(actors, settings):
    settings.FOLLOW_UP_DAYS = 30
    old, recent, owed = (actors.case(Status.DELIVERED) for _ in range(3))
    _delivered_days_ago(old, 31)
    review_services.ask_follow_up(case=owed, by=actors.alice, question="Still waiting?")
    _delivered_days_ago(owed, 31)

    assert close_cases_after_follow_up_window.run() == 1

    for case in (old, recent, owed):
        case.refresh_from_db()
    assert old.status == Status.CLOSED
    assert recent.status == Status.DELIVERED
    assert owed.status == Status.DELIVERED  # the specialist still owes an answer


@pytest.mark.pinned_clock
def test_the_closing_is_on_the_timeline_in_each_readers_language(client, actors, settings):
    settings.FOLLOW_UP_DAYS = 30
    case = actors.case(Status.DELIVERED)
    _delivered_days_ago(case, 31)
    close_cases_after_follow_up_window.run()

    spanish = timeline_text(client, actors.cora, case, "es")
    english = timeline_text(client, actors.cora, case, "en-gb")

    assert "Terminó el plazo para hacer preguntas de seguimiento" in spanish
    assert "follow-up window" not in spanish
    assert "The follow-up window ended" in english


def test_the_doctors_link_downloads_the_report_once_and_is_audited(client, actors):
    case = actors.case(Status.DELIVERED)
    client.force_login(actors.alice)
    page = client.post(reverse("review:report-share-create", args=[case.reference])).text
    link = page.split('id="share-link" type="text" readonly value="')[1].split('"')[0]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not ReportShare.objects.filter(token_hash=token).exists()  # stored hashed only

    doctor = Client()
    assert doctor.get(link).status_code == 200
    download = doctor.post(link)
    second = doctor.post(link)

    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert second.status_code == 410
    assert "works once" in second.text
    assert AuditEvent.objects.filter(case_id=case.pk, action="report.share_download").count() == 1


def test_an_expired_or_made_up_doctors_link_is_refused(actors):
    case = actors.case(Status.DELIVERED)
    share, token = review_services.share_report(case=case, by=actors.alice)
    ReportShare.objects.filter(pk=share.pk).update(expires_at=timezone.now())
    doctor = Client()

    expired = doctor.post(reverse("review:report-share", args=[token]))
    made_up = doctor.get(reverse("review:report-share", args=["x" * 43]))

    assert expired.status_code == 410 and "expired" in expired.text
    assert made_up.status_code == 404


def test_only_the_patient_side_shares_the_report(actors):
    case = actors.case(Status.DELIVERED)
    with pytest.raises(ApplicationError):
        review_services.share_report(case=case, by=actors.dr_smith.user)
