"""A specialist who is only offered a case sees a minimal summary on the offer page, enough to
decide, and nothing else of the case until they accept with the no-conflict attestation; a
declined or expired offer shows nothing of the case at all."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Status
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications.models import Notification
from specialists import offers
from specialists.models import Offer
from specialists.tasks import expire_overdue_offers

# What names or describes the patient in detail: never on an offered specialist's page.
IDENTIFYING = (
    "Alice Patient",
    "17 May 1970",
    "1970-05-17",
    "Stage II ductal carcinoma",  # the diagnosis as written, not in general terms
    "City Hospital",
    "Dr Ada Brown",
    "Chemotherapy first",
    "Penicillin",
    "pathology-report.pdf",
    "alice@example.org",
)


@pytest.fixture
def offered(actors):
    """alice's case, offered to dr_smith, who has not answered yet; and dr_smith's browser."""
    case = actors.case(Status.OFFERED)
    client = Client()
    client.force_login(actors.dr_smith.user)
    return case, client


def case_urls(case) -> dict[str, str]:
    record = case.records.get()
    return {
        "case page": reverse("cases:case-detail", args=[case.reference]),
        "records list": reverse("records:case-records", args=[case.reference]),
        "record download": reverse("records:record-download", args=[record.pk]),
        "record preview": reverse("records:record-preview", args=[record.pk]),
        "record viewer": reverse("records:record-view", args=[record.pk]),
        "record inline": reverse("records:record-inline", args=[record.pk]),
        "messages": reverse("messaging:case-messages", args=[case.reference]),
        "information request": reverse("review:information-request", args=[case.reference]),
        "opinion": reverse("review:opinion-edit", args=[case.reference]),
        "workspace": reverse("review:workspace", args=[case.reference]),
        "access history": reverse("data_rights:access-history", args=[case.reference]),
    }


def test_an_offered_specialist_gets_404_on_every_page_of_the_case(offered):
    case, client = offered

    answers = {what: client.get(url).status_code for what, url in case_urls(case).items()}

    assert answers == {what: 404 for what in answers}


def test_an_offered_specialist_guessing_record_ids_gets_404(actors, offered):
    case, client = offered
    other = actors.case(Status.IN_REVIEW, owner=actors.bob)  # dr_smith reviews bob's case
    theirs = other.records.get().pk
    mine = case.records.get().pk

    for pk in (mine, mine + 1, mine + 1000):
        if pk == theirs:
            continue
        assert client.get(reverse("records:record-download", args=[pk])).status_code == 404
        assert client.get(reverse("records:record-preview", args=[pk])).status_code == 404
    # The case they do review is theirs to read.
    assert client.get(reverse("records:record-download", args=[theirs])).status_code == 200


def test_the_offer_page_shows_a_summary_without_anything_that_names_the_patient(offered):
    case, client = offered

    page = client.get(reverse("specialists:offer-accept", args=[case.reference]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "What the case is about" in text
    assert "Is surgery needed before chemotherapy?" in text  # the question for the specialist
    assert "Is surgery needed?" in text and "What are the treatment options?" in text
    assert "Soon: a treatment decision is due within a month" in text  # urgency
    assert "1 file: Not described (1)" in text  # number and kinds of records
    offer = Offer.objects.get(case=case)
    assert timezone.localtime(offer.respond_by).strftime("%-d %b %Y, %H:%M") in text
    for shown in IDENTIFYING:
        assert shown not in text, shown
    assert reverse("cases:case-detail", args=[case.reference]) not in text


def test_showing_the_summary_is_an_audited_read_naming_the_specialist_and_the_case(actors, offered):
    case, client = offered

    client.get(reverse("specialists:offer-accept", args=[case.reference]))

    event = AuditEvent.objects.get(action="offer.view")
    assert (event.actor, event.case_id) == (actors.dr_smith.user, case.pk)


def test_after_accepting_with_the_attestation_the_case_and_its_records_open(offered):
    case, client = offered

    accepted = client.post(
        reverse("specialists:offer-accept", args=[case.reference]), {"attested_no_conflict": "on"}
    )

    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("cases:case-detail", args=[case.reference])
    page = client.get(accepted["Location"])
    assert page.status_code == 200
    assert "Alice Patient" in page.content.decode()
    download = client.get(reverse("records:record-download", args=[case.records.get().pk]))
    assert download.status_code == 200


def test_without_the_attestation_nothing_opens(offered):
    case, client = offered

    refused = client.post(reverse("specialists:offer-accept", args=[case.reference]), {})

    assert refused.status_code == 200  # the form again, with its error
    assert client.get(reverse("cases:case-detail", args=[case.reference])).status_code == 404


def test_a_declined_offer_shows_nothing_of_the_case(actors, offered):
    case, client = offered
    offers.decline_offer(
        case=case,
        by=actors.dr_smith.user,
        reason_code=Offer.DeclineReason.NO_CAPACITY,
    )

    page = client.get(reverse("specialists:offer-accept", args=[case.reference]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "You declined this case on" in text
    assert "What the case is about" not in text
    assert "Is surgery needed" not in text
    assert not AuditEvent.objects.filter(action="offer.view").exists()
    answers = {what: client.get(url).status_code for what, url in case_urls(case).items()}
    assert answers == {what: 404 for what in answers}


def test_an_expired_offer_shows_nothing_of_the_case(offered):
    case, client = offered
    Offer.objects.filter(case=case).update(respond_by=timezone.now() - timedelta(minutes=1))
    expire_overdue_offers()

    page = client.get(reverse("specialists:offer-accept", args=[case.reference]))

    text = page.content.decode()
    assert "This offer expired on" in text
    assert "Is surgery needed" not in text
    assert client.get(reverse("cases:case-detail", args=[case.reference])).status_code == 404


def test_the_specialist_home_links_offers_to_the_offer_page_without_the_patients_name(offered):
    case, client = offered

    home = client.get(reverse("specialists:home")).content.decode()

    assert reverse("specialists:offer-accept", args=[case.reference]) in home
    assert reverse("cases:case-detail", args=[case.reference]) not in home
    assert "Alice Patient" not in home


def test_the_offer_notification_links_to_the_offer_page(actors, offered):
    case, _ = offered

    notification = Notification.objects.get(
        user=actors.dr_smith.user, message__startswith="You have been offered"
    )

    assert notification.link == reverse("specialists:offer-accept", args=[case.reference])


def test_the_offered_case_is_not_on_the_specialists_case_list(offered):
    case, client = offered

    dashboard = client.get(reverse("cases:dashboard")).content.decode()

    assert reverse("cases:case-detail", args=[case.reference]) not in dashboard
    assert "Alice Patient" not in dashboard
