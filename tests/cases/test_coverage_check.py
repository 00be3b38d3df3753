"""Coverage and cost: the coordinator records the coverage check on the case page and the
patient sees it with the price."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services
from cases.models import CoverageCheck, Status
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError

APPROVED = {
    "result": "covered",
    "preauthorization": "approved",
    "preauthorization_reference": "PA-2026-0042",
    "patient_share": "150.00",
}


def test_a_coordinator_records_the_check_and_the_patient_sees_it(client, actors):
    case = actors.case(Status.TRIAGE)
    client.force_login(actors.cora)
    url = reverse("cases:coverage-check", args=[case.reference])

    page = client.get(reverse("cases:case-detail", args=[case.reference]))
    response = client.post(url, APPROVED)

    assert "Record the coverage check" in page.text
    assert response.status_code == 302
    check = CoverageCheck.objects.get(case=case)
    assert (check.checked_by, check.patient_share) == (actors.cora, Decimal("150.00"))
    assert AuditEvent.objects.filter(action="coverage.check", case_id=case.pk).exists()
    client.force_login(actors.alice)
    patient_page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Insurance covers the review" in patient_page
    assert "Pre-authorization: approved (reference PA-2026-0042)" in patient_page
    assert "Your share: <strong>$150.00</strong>" in patient_page
    assert "$750.00" in patient_page
    assert "Record the coverage check" not in patient_page


def test_an_approval_needs_the_insurers_reference(client, actors):
    case = actors.case(Status.TRIAGE)
    client.force_login(actors.cora)

    response = client.post(
        reverse("cases:coverage-check", args=[case.reference]),
        {**APPROVED, "preauthorization_reference": ""},
    )

    assert '<a href="#id_preauthorization_reference">Enter the insurer' in response.text
    assert not CoverageCheck.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dr_smith"])
def test_only_coordinators_record_coverage_checks(client, actors, who):
    case = actors.case(Status.TRIAGE)
    user = getattr(actors, who)
    client.force_login(getattr(user, "user", user))

    response = client.post(reverse("cases:coverage-check", args=[case.reference]), APPROVED)

    assert response.status_code == 404
    assert not CoverageCheck.objects.exists()


def test_a_draft_has_no_coverage_check(actors):
    case = actors.case(Status.DRAFT)

    with pytest.raises(ApplicationError, match="submitted, open case"):
        services.record_coverage_check(
            case=case, by=actors.cora, result="self_pay", preauthorization="not_needed"
        )


def test_the_patient_sees_the_price_and_who_confirms_their_share_before_submitting(client, actors):
    case = actors.case(Status.DRAFT)
    services.update_case(
        case=case,
        by=actors.alice,
        coverage="insurance",
        insurance_payer="Acme Health",
        insurance_member_id="M-1",
        insurance_needs_preauthorization="yes",
    )
    client.force_login(actors.alice)

    page = client.get(reverse("cases:intake-check", args=[case.reference])).text

    assert "Standard review of your records: <strong>$750.00</strong>" in page
    assert "confirms your share of the price before the review starts" in page


def test_the_specialist_does_not_see_how_the_case_is_paid_for(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert "Stage II ductal carcinoma" in page
    assert "Cost and cover" not in page
    assert "$750.00" not in page
    assert "How will you pay for the review?" not in page
