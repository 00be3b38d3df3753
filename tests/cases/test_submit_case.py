"""Submitting a case: refused at the service until every answer, a record, a current consent and
a coverage choice exist; the price shown is frozen on the case."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, Coverage, Price, Status
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from tests.factories import complete_draft


def missing_answers(case: Case) -> set[str]:
    return {item.answer for item in services.missing_for_submission(case)}


def test_a_complete_draft_is_submitted_with_its_price_frozen(actors):
    case = complete_draft(actors.alice)

    services.submit_case(case=case, by=actors.alice)

    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert (case.price_amount, case.price_currency) == (Decimal("750.00"), "USD")


def test_a_later_price_change_does_not_change_a_submitted_case(actors):
    case = actors.case(Status.SUBMITTED)

    Price.objects.filter(review_type="standard").update(amount=Decimal("900.00"))

    case.refresh_from_db()
    assert case.price_amount == Decimal("750.00")


def test_a_case_without_consent_cannot_be_submitted(actors):
    case = complete_draft(actors.alice, consent=False)

    with pytest.raises(ApplicationError, match="Your signed consent"):
        services.submit_case(case=case, by=actors.alice)
    assert Case.objects.get(pk=case.pk).status == Status.DRAFT
    assert not case.events.filter(to_status=Status.SUBMITTED).exists()
    assert not AuditEvent.objects.filter(action="case.submit").exists()


def test_a_case_without_a_coverage_choice_cannot_be_submitted(actors):
    case = complete_draft(actors.alice, coverage="")

    with pytest.raises(ApplicationError, match="How you will pay"):
        services.submit_case(case=case, by=actors.alice)
    assert Case.objects.get(pk=case.pk).status == Status.DRAFT


def test_insurance_needs_the_payer_and_member_id(actors):
    case = complete_draft(actors.alice, coverage=Coverage.INSURANCE)

    assert missing_answers(case) == {
        "insurance_payer",
        "insurance_member_id",
        "insurance_needs_preauthorization",
    }
    with pytest.raises(ApplicationError, match="Your insurance company"):
        services.submit_case(case=case, by=actors.alice)


def test_a_case_without_records_cannot_be_submitted_unless_they_are_said_to_follow(actors):
    case = services.create_case(by=actors.alice, case_for="self")
    assert "records" in missing_answers(case)

    services.update_case(case=case, by=actors.alice, records_to_follow=True)

    assert "records" not in missing_answers(case)


def test_a_new_draft_lists_everything_it_still_needs(actors):
    case = services.create_case(by=actors.alice, case_for="self")

    missing = missing_answers(case)

    assert {"diagnosis", "question", "coverage", "records", "consent"} <= missing
    assert "patient_name" not in missing  # taken from the account when the case is for oneself
    with pytest.raises(ApplicationError, match="not complete"):
        services.submit_case(case=case, by=actors.alice)


def test_the_check_page_lists_what_is_missing_with_links_to_the_steps(client, actors):
    case = complete_draft(actors.alice, consent=False, coverage="")
    client.force_login(actors.alice)

    response = client.get(reverse("cases:intake-check", args=[case.reference]))

    coverage_step = reverse("cases:intake-step", args=[case.reference, "coverage"])
    consent_step = reverse("cases:case-consent", args=[case.reference])
    assert f'href="{coverage_step}?return=check">How you will pay' in response.text
    assert f'href="{consent_step}?return=check">Your signed consent' in response.text
    assert "Submit your request" not in response.text


def test_a_complete_check_page_shows_the_price_and_the_submit_button(client, actors):
    case = complete_draft(actors.alice)
    client.force_login(actors.alice)

    response = client.get(reverse("cases:intake-check", args=[case.reference]))

    assert "Still needed" not in response.text
    assert "$750.00" in response.text
    assert "Submit your request" in response.text


def test_submitting_through_the_web_with_something_missing_says_what(client, actors):
    case = complete_draft(actors.alice, consent=False)
    client.force_login(actors.alice)
    check = reverse("cases:intake-check", args=[case.reference])

    response = client.post(
        reverse("cases:case-submit", args=[case.reference]),
        HTTP_REFERER=f"http://testserver{check}",
        follow=True,
    )

    assert "Your request is not complete. Still needed: Your signed consent." in response.text
    assert Case.objects.get(pk=case.pk).status == Status.DRAFT
