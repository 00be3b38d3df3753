"""A case's messages in the reader's language: the thread's frame, the form and its errors, for
the patient, the specialist and the coordinator; what people wrote stays as they wrote it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Status
from messaging import services as messaging_services
from tests.records.files import WINDOWS_PROGRAM, distinct_pdf

from .pages import english_left, speaks
from .partials import shared_words_not_yet_translated, sizes_written_alike

BODY = "My biopsy slides are on their way."
REPLY = "Thank you, I will look at them."


@pytest.mark.django_db
def test_an_empty_thread_is_in_spanish_for_each_reader(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("messaging:case-messages", args=[case.reference])

    for reader in (actors.alice, actors.dr_smith.user, actors.cora):
        left = english_left(client, reader, url, same=shared_words_not_yet_translated())
        assert left == [], reader


@pytest.mark.django_db
def test_a_thread_with_messages_and_files_is_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    messaging_services.post_message(
        case=case,
        by=actors.alice,
        body=BODY,
        files=[SimpleUploadedFile("slides.pdf", distinct_pdf("slides") + b" " * 2000)],
    )
    messaging_services.post_message(case=case, by=actors.dr_smith.user, body=REPLY)
    url = reverse("messaging:case-messages", args=[case.reference])
    words = {BODY, REPLY, "Dr Sarah Smith", "slides.pdf"} | shared_words_not_yet_translated()
    words |= sizes_written_alike()

    for reader in (actors.alice, actors.dr_smith.user, actors.cora):
        assert english_left(client, reader, url, same=words) == [], reader


@pytest.mark.django_db
def test_a_new_message_is_marked_new_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    messaging_services.post_message(case=case, by=actors.dr_smith.user, body=REPLY)
    speaks(actors.alice, client=client)

    page = client.get(reverse("messaging:case-messages", args=[case.reference])).text

    assert '<span class="usa-tag">Nuevo</span>' in page
    assert "Los mensajes llegan al paciente, al especialista que revisa el caso" in page
    assert "Mensajes del caso" in page
    assert REPLY in page


@pytest.mark.django_db
def test_the_english_thread_is_unchanged(client, actors):
    case = actors.case(Status.IN_REVIEW)
    messaging_services.post_message(case=case, by=actors.dr_smith.user, body=REPLY)
    client.force_login(actors.alice)

    page = client.get(reverse("messaging:case-messages", args=[case.reference])).text

    assert "<title>Messages on case" in page or "Messages on case" in page
    assert (
        "<p>Messages go to the patient, the specialist reviewing the case and our coordinators. "
        "We email them that there is a new message, never what it says.</p>"
    ) in page
    assert '<span class="usa-tag">New</span>' in page
    assert "Up to 5000 characters." in page
    assert "Send message" in page


@pytest.mark.django_db
def test_an_empty_or_too_long_message_is_refused_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    speaks(actors.alice, client=client)
    url = reverse("messaging:case-messages", args=[case.reference])

    empty = client.post(url, {"body": "  "}).text
    too_long = client.post(url, {"body": "x" * 5001}).text

    assert "Escriba su mensaje." in empty
    assert "Su mensaje debe tener como máximo 5000 caracteres (tiene 5001)." in too_long


@pytest.mark.django_db
def test_a_refused_attachment_is_explained_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    speaks(actors.alice, client=client)
    url = reverse("messaging:case-messages", args=[case.reference])

    page = client.post(
        url, {"body": BODY, "file": SimpleUploadedFile("setup.exe", WINDOWS_PROGRAM)}
    ).text

    assert "«setup.exe» no es un tipo de archivo que aceptemos." in page
