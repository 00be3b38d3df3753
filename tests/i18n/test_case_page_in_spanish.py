"""The case page in the reader's language, for the patient, a caregiver, a coordinator and the
assigned specialist, in every state whose page says something different; its dates in the order
and month names of that language, its amounts as its readers write them."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from cases import services, state_machine
from cases.models import Status
from tests.factories import INTAKE_ANSWERS, OPINION, proxy_authority
from tests.i18n.pages import english_left, speaks

# The people's own words: the patient's answers, a file's name, the specialist's name, profile
# and opinion, the coordinator's question, the reasons given.
PEOPLES_WORDS = {
    *(value for value in INTAKE_ANSWERS.values() if isinstance(value, str) and " " in value),
    *(value for value in OPINION.values() if isinstance(value, str) and " " in value),
    "City Hospital",
    "Dr Ada Brown",
    "None",
    "Penicillin",
    "pathology-report.pdf",
    "Dr Sarah Smith",
    "Consultant with twenty years of practice.",
    "When was your last blood test?",
    "Changed my mind",
    "Duplicate request",
}
# The same in both languages: the answer "No", a file's size in bytes, a file's type.
SAME_IN_SPANISH = {"No", "193 bytes", "PDF"}
# Shown on the case page by another app's partial (specialists: the assigned specialist), to be
# translated by its own helper: the lead removes this set once that work is merged.
FROM_OTHER_APPS = {
    "Credentials:",
    "Dr Sarah Smith does not work at your treating hospital and has not worked there in the last "
    "5 years.",
    "Dr Sarah Smith has declared no payment, shares or other financial tie to a company whose "
    "products are part of the treatment in question.",
    "Dr Sarah Smith is not your treating doctor, nor a doctor you asked us to leave out.",
    "Medical oncology, Example University Hospital",
    "No family or practice relationship with your case or your treating doctor has been declared.",
    "We checked that Dr Sarah Smith has no tie to your treating hospital or to the makers of the "
    "treatment in question.",
    "What we checked",
    "Your specialist",
}
SAME = PEOPLES_WORDS | SAME_IN_SPANISH | FROM_OTHER_APPS

# Who reads the page in each state (the states whose page differs for them).
PATIENT_SIDE = ("patient", "caregiver")
STAFF = ("coordinator", "specialist")
READERS = {
    Status.DRAFT: PATIENT_SIDE,
    Status.SUBMITTED: (*PATIENT_SIDE, "coordinator"),
    Status.TRIAGE: ("patient", "coordinator"),
    Status.NEEDS_INFO: (*PATIENT_SIDE, "coordinator"),
    Status.MATCHING: ("patient", "coordinator"),
    Status.OFFERED: ("patient", "coordinator"),
    Status.IN_REVIEW: ("patient", *STAFF),
    Status.INFO_REQUESTED: (*PATIENT_SIDE, *STAFF),
    Status.OPINION_SUBMITTED: ("patient", *STAFF),
    Status.DELIVERED: (*PATIENT_SIDE, *STAFF),
    Status.CLOSED: ("patient", *STAFF),
    Status.WITHDRAWN: (*PATIENT_SIDE, "coordinator"),
    Status.CANCELLED: ("patient", "coordinator"),
}


def case_for(actors, status: str, reader: str):
    """A case in `status`, opened by carol for alice when a caregiver reads it."""
    authority = proxy_authority(actors.carol, actors.alice.email) if reader == "caregiver" else None
    owner = actors.carol if authority else actors.alice
    walk_to = {
        Status.CLOSED: Status.DELIVERED,
        Status.WITHDRAWN: Status.SUBMITTED,
        Status.CANCELLED: Status.SUBMITTED,
    }
    case = actors.case(walk_to.get(status, status), owner=owner, authority=authority)
    with transaction.atomic():
        if status == Status.CLOSED:
            case = state_machine.transition(case, "close", by=actors.cora)
        elif status == Status.WITHDRAWN:
            case = services.withdraw_case(case=case, by=owner, reason="Changed my mind")
        elif status == Status.CANCELLED:
            case = services.cancel_case(case=case, by=actors.cora, reason="Duplicate request")
    return case


def reader_of(actors, reader: str):
    return {
        "patient": actors.alice,
        "caregiver": actors.carol,
        "coordinator": actors.cora,
        "specialist": actors.dr_smith.user,
    }[reader]


def left_on_case_page(client, user, case, *, same=frozenset()) -> list[str]:
    url = reverse("cases:case-detail", args=[case.reference])
    return english_left(client, user, url, same=SAME | same)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "reader"),
    [(status, reader) for status, readers in READERS.items() for reader in readers],
)
def test_the_case_page_is_in_spanish(client, actors, status, reader):
    case = case_for(actors, status, reader)

    assert (
        left_on_case_page(
            client, reader_of(actors, reader), case, same={"Carol Caregiver", actors.alice.email}
        )
        == []
    )


def _page(client, user, case) -> str:
    client.force_login(user)
    return client.get(reverse("cases:case-detail", args=[case.reference])).text


@pytest.mark.django_db
def test_the_case_pages_dates_are_in_each_languages_order_and_words(client, actors):
    with time_machine.travel(datetime(2027, 3, 10, 9, 30, tzinfo=UTC), tick=False):
        case = actors.case(Status.SUBMITTED)

    english = _page(client, actors.alice, case)
    speaks(actors.alice)
    spanish = _page(client, actors.alice, case)

    # The timeline, the consent's signature, the expected dates ahead.
    assert "10 Mar 2027, 09:30" in english
    assert "Version 2 signed by <bdi>Alice Patient</bdi> on 10 Mar 2027, 09:30." in english
    assert "10 de marzo de 2027, 09:30" in spanish
    assert (
        "Versión 2 firmada por <bdi>Alice Patient</bdi> el 10 de marzo de 2027, 09:30." in spanish
    )
    assert "Expected by " in english and " Mar 2027" in english
    assert "Previsto para el " in spanish and " de marzo de 2027" in spanish
    assert "10 Mar 2027, 09:30" not in spanish


@pytest.mark.django_db
def test_the_case_pages_price_reads_in_spanish_as_us_spanish_readers_write_amounts(client, actors):
    case = actors.case(Status.SUBMITTED)  # its price is frozen on submission: $750.00
    english = _page(client, actors.alice, case)
    speaks(actors.alice)
    spanish = _page(client, actors.alice, case)

    assert "Standard review of your records: <strong>$750.00</strong>" in english
    assert "<strong>$750.00</strong>" in spanish
    assert "Usted paga el precio por su cuenta." in spanish


@pytest.mark.django_db
def test_a_withdrawn_authority_and_a_checked_cover_read_in_spanish(client, actors):
    authority = proxy_authority(actors.carol, actors.alice.email)
    case = actors.case(Status.SUBMITTED, owner=actors.carol, authority=authority)
    with transaction.atomic():
        services.record_coverage_check(
            case=case, by=actors.cora, result="self_pay", preauthorization="not_needed"
        )
        services.revoke_proxy_authority(authority=authority, by=actors.alice)
    speaks(actors.cora)

    page = _page(client, actors.cora, case)

    assert "Abierto por Carol Caregiver para el paciente (alice@example.org)" in page
    assert "Esta autorización se retiró el " in page
    assert "Cobertura verificada el " in page
    assert "Pago por cuenta propia confirmado" in page
    assert "Autorización previa: no es necesaria" in page
    assert (
        left_on_case_page(client, actors.cora, case, same={"Carol Caregiver", "alice@example.org"})
        == []
    )
