"""Matching in a real browser: a coordinator verifies a new specialist, matches a case with the
conflicted specialist left out, the specialist accepts with the attestation, and the patient sees
who reviews their case and what was screened. An expired automatic offer goes to the next match.
axe-core checks every page.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Status
from specialists.models import Offer, Specialty
from specialists.tasks import expire_overdue_offers
from tests.factories import SpecialistFactory

from .conftest import assert_accessible, sign_in, tick

pytestmark = pytest.mark.browser


def status_of(page: Page):
    return page.locator(".so-status").first


def test_a_verified_new_specialist_is_matched_accepts_and_the_patient_sees_the_screening(
    new_page, actors
):
    case = actors.case(Status.SUBMITTED)  # treated by Dr Ada Brown at City Hospital
    nia = SpecialistFactory(
        user__full_name="Dr Nia New",
        user__email="dr.new@example.org",
        bio="Breast cancer specialist at the Royal Marsden.",
        institution="Royal Marsden Hospital",
        licence__verified_at=None,
        licence__number="GMC7770001",
    )
    nia.specialties.add(Specialty.objects.get(name="Breast oncology"))
    SpecialistFactory(
        user__full_name="Dr Ivy Insider",
        user__email="dr.ivy@example.org",
        institution="City Hospital",
    )

    # cora verifies Dr Nia New's licence on the credentials page.
    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    cora.get_by_role("navigation").get_by_role("link", name="Specialists' credentials").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Specialists' credentials")
    assert_accessible(cora)
    to_verify = cora.get_by_role("table", name="Licences to verify")
    expect(to_verify).to_contain_text("Dr Nia New")
    to_verify.get_by_role("button", name="Verify Dr Nia New's licence GMC7770001").click()
    expect(cora.get_by_text("Dr Nia New's licence GMC7770001 is verified.")).to_be_visible()
    assert_accessible(cora)

    # She triages the submitted case and opens its matching page.
    cora.goto(f"/cases/{case.reference}/")
    assert_accessible(cora)
    cora.get_by_role("button", name="Start triage").click()
    expect(status_of(cora)).to_have_text("In triage")
    assert_accessible(cora)
    cora.get_by_role("button", name="Case is complete: send to matching").click()
    expect(status_of(cora)).to_have_text("Finding a specialist")
    assert_accessible(cora)
    cora.get_by_role("link", name="Offer to a specialist").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Find a specialist")
    assert_accessible(cora)

    # Dr Nia New ranks first; Dr Ivy Insider is left out for working at the treating hospital.
    ranked = cora.get_by_role("table", name="Specialists ranked for this case, best first")
    expect(ranked.get_by_role("row").nth(1)).to_contain_text("Dr Nia New")
    expect(ranked.get_by_role("row").nth(1)).to_contain_text(
        "Subspecialty in Breast oncology, which this case needs."
    )
    expect(ranked).not_to_contain_text("Dr Ivy Insider")
    left_out = cora.get_by_role("table", name="Specialists left out of the ranking").get_by_role(
        "row", name="Dr Ivy Insider"
    )
    expect(left_out).to_contain_text("Treating hospital")
    expect(left_out).to_contain_text("Works at City Hospital, where the patient is treated.")
    ranked.get_by_role("button", name="Offer to Dr Nia New").click()
    expect(status_of(cora)).to_have_text("Offered to a specialist")
    expect(cora.get_by_text("The case is offered to Dr Nia New")).to_be_visible()
    assert_accessible(cora)

    # Dr Nia New (with her second factor) finds the offer on her home page and accepts it.
    specialist = new_page()
    sign_in(specialist, "dr.new@example.org", totp=True)
    specialist.get_by_role("navigation").get_by_role("link", name="Specialist home").click()
    expect(specialist.get_by_role("heading", level=1)).to_have_text("Specialist home")
    assert_accessible(specialist)
    offers = specialist.get_by_role("table", name="Offers waiting for your answer")
    offers.get_by_role("link", name=f"Accept case {case.reference}").click()
    expect(specialist.get_by_role("heading", level=1)).to_have_text(f"Accept case {case.reference}")
    assert_accessible(specialist)
    specialist.get_by_role("button", name="Accept this case").click()  # without the attestation
    expect(specialist.get_by_role("alert")).to_contain_text(
        "Confirm that you have no conflict of interest with this case"
    )
    assert_accessible(specialist)
    tick(specialist, "I have no conflict of interest with this case")
    specialist.get_by_role("button", name="Accept this case").click()
    expect(status_of(specialist)).to_have_text("Specialist reviewing")
    assert_accessible(specialist)

    # alice sees who her specialist is and what was screened.
    alice = new_page()
    sign_in(alice, actors.alice.email)
    alice.goto(f"/cases/{case.reference}/")
    yours = alice.get_by_role("region", name="Your specialist")
    expect(yours).to_contain_text("Dr Nia New")
    expect(yours).to_contain_text("Breast cancer specialist at the Royal Marsden.")
    expect(yours).to_contain_text("licensed in England (GMC7770001)")
    expect(alice.locator("#screening-statement")).to_have_text(
        "We checked that Dr Nia New has no tie to your treating hospital or to the makers of "
        "the treatment in question."
    )
    assert_accessible(alice)


def test_an_expired_automatic_offer_goes_to_the_next_match(new_page, actors):
    case = actors.case(Status.MATCHING)
    SpecialistFactory(
        user__full_name="Dr Nell Next",
        user__email="dr.next@example.org",
        typical_turnaround_days=20,
    )

    # cora offers the case in automatic mode: Dr Sarah Smith is the top match.
    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    cora.goto(f"/specialists/match/{case.reference}/")
    assert_accessible(cora)
    cora.get_by_role("button", name="Offer to the top match automatically").click()
    expect(
        cora.get_by_text("The case is offered automatically (the top match) to Dr Sarah Smith")
    ).to_be_visible()
    assert_accessible(cora)

    # The response time runs out; the beat task's service expires the offer.
    Offer.objects.filter(case=case).update(respond_by=timezone.now() - timedelta(minutes=1))
    assert expire_overdue_offers() == 1

    cora.goto(f"/specialists/match/{case.reference}/")
    expect(cora.get_by_role("status").filter(has_text="Offered to Dr Nell Next")).to_contain_text(
        "in automatic mode"
    )
    expect(cora.get_by_role("region", name="Earlier offers")).to_contain_text(
        "Dr Sarah Smith: expired"
    )
    assert_accessible(cora)
    cora.get_by_role("navigation").get_by_role("link", name="Notifications").click()
    expect(
        cora.get_by_role(
            "link",
            name=f"Dr Sarah Smith did not answer in time on case {case.reference}; it was offered "
            "automatically to Dr Nell Next, the next match.",
        )
    ).to_be_visible()
    assert_accessible(cora)

    # Dr Sarah Smith, too late, is told so plainly.
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    smith.goto(f"/specialists/offers/{case.reference}/accept/")
    expect(smith.get_by_role("status")).to_contain_text(
        "This offer expired on", use_inner_text=True
    )
    expect(smith.get_by_role("button", name="Accept this case")).to_have_count(0)
    assert_accessible(smith)
