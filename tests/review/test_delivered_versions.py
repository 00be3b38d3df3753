"""Patients see only what was delivered: an opinion version the quality check returned stays
internal (case page, download, ZIP export, share link); staff still see every version."""

import hashlib
import io
import zipfile

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from cases.models import Status
from review import selectors as review_selectors
from review import services as review_services
from review.models import Opinion, Report
from tests.factories import MINIMAL_PDF


def _store_report(case, *, addenda: int = 0) -> Report:
    """A stand-in PDF for the opinion's current revision, each version's bytes its own."""
    opinion = Opinion.objects.get(case=case)
    content = MINIMAL_PDF + f"% revision {opinion.revision} addenda {addenda}\n".encode()
    version = Report.objects.filter(case=case).count() + 1
    report = Report(
        case=case,
        opinion=opinion,
        opinion_revision=opinion.revision,
        addenda=addenda,
        version=version,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    report.file.save("report.pdf", ContentFile(content), save=True)
    return report


def _delivered_after_one_return(actors):
    """Version 1 returned by the quality check, version 2 delivered."""
    case = actors.case(Status.OPINION_SUBMITTED)  # revision 1 with its report, version 1
    case = review_services.return_opinion(case=case, by=actors.cora, comments="Explain the risks.")
    review_services.save_opinion_draft(
        case=case, by=actors.dr_smith.user, plain_summary="Risks: low."
    )
    review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    delivered = _store_report(case)
    case = review_services.deliver_opinion(case=case, by=actors.cora)
    return case, delivered


def _case_page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:case-detail", args=[case.reference]))
    assert response.status_code == 200
    return response.text


def test_the_patient_never_sees_a_returned_version(client, actors):
    case, _ = _delivered_after_one_return(actors)

    page = _case_page(client, actors.alice, case)

    assert "Download report, version 2" in page
    assert "Download report, version 1" not in page
    assert reverse("review:report-download", args=[case.reference, 1]) not in page
    assert "returned by the quality check" not in page
    download = client.get(reverse("review:report-download", args=[case.reference, 1]))
    assert download.status_code == 404
    assert (
        client.get(reverse("review:report-download", args=[case.reference, 2])).status_code == 200
    )


def test_a_caregiver_sees_the_delivered_versions_and_addenda_newest_first(client, actors):
    case, delivered = _delivered_after_one_return(actors)
    addendum = _store_report(case, addenda=1)

    assert list(review_selectors.delivered_reports_for(case)) == [addendum, delivered]
    page = _case_page(client, actors.alice, case)
    assert page.index("version 3") < page.index("version 2")
    assert "Download report, version 3 (PDF, " in page
    assert page.split("version 3", 1)[1].split("</li>")[0].endswith("(current)")
    assert "version 1" not in page


def test_coordinators_and_the_specialist_see_every_version_with_the_returned_one_marked(
    client, actors
):
    case, _ = _delivered_after_one_return(actors)

    for user in (actors.cora, actors.dr_smith.user):
        page = _case_page(client, user, case)
        assert "Download report, version 1" in page
        assert "returned by the quality check" in page
        response = client.get(reverse("review:report-download", args=[case.reference, 1]))
        assert response.status_code == 200


def test_the_zip_export_leaves_the_returned_version_out(client, actors):
    case, _ = _delivered_after_one_return(actors)
    client.force_login(actors.alice)

    response = client.get(reverse("data_rights:case-export", args=[case.reference]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    reports = [name for name in archive.namelist() if name.startswith("reports/")]
    assert reports == ["reports/report-v2.pdf"]


def test_the_share_link_gives_the_current_delivered_version(actors):
    case, delivered = _delivered_after_one_return(actors)
    _, token = review_services.share_report(case=case, by=actors.alice)

    response = Client().post(reverse("review:report-share", args=[token]))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == delivered.sha256
    assert "-v2.pdf" in response["Content-Disposition"]


def test_before_delivery_the_patient_has_no_version_at_all(actors):
    case = actors.case(Status.OPINION_SUBMITTED)

    assert not review_selectors.reports_visible_to(actors.alice, case).exists()
    assert review_selectors.reports_visible_to(actors.cora, case).count() == 1
