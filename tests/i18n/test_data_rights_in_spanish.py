"""The data-rights pages in Spanish: who has looked at a case, asking to delete it (before,
pending, refused), and the coordinators' list of deletion requests."""

import pytest
from django.urls import reverse

from cases.models import Status
from data_rights import services as data_rights
from tests.i18n.pages import english_left

from .test_specialist_pages_in_spanish import SHARED


def _left(client, user, url: str, *, same=frozenset()) -> list[str]:
    return english_left(client, user, url, same={*same, *SHARED})


@pytest.mark.django_db
def test_the_access_history_is_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("data_rights:access-history", args=[case.reference])
    assert _left(client, actors.alice, url) == []  # no one yet
    for reader in (actors.cora, actors.dr_smith.user, actors.alice):
        client.force_login(reader)
        client.get(reverse("cases:case-detail", args=[case.reference]))
    same = {"Cora Coordinator (coordinator)", "Dr Sarah Smith (specialist)"}
    left = _left(client, actors.alice, url)
    assert [text for text in left if text not in same] == []
    assert "Cora Coordinator (coordinator)" not in _spanish(client, actors.alice, url)


def _spanish(client, user, url: str) -> str:
    user.language = "es"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client.get(url).text


@pytest.mark.django_db
def test_asking_to_delete_is_in_spanish_before_while_pending_and_refused(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("data_rights:deletion-request", args=[case.reference])
    assert _left(client, actors.alice, url) == []
    data_rights.request_deletion(case=case, by=actors.alice)
    assert _left(client, actors.alice, url) == []

    actors.alice.language = "es"
    actors.alice.save(update_fields=["language"])
    data_rights.decide_deletion(case=case, by=actors.cora)  # the coordinator's English
    # The reason is read in the reader's language, whoever decided.
    assert "Un especialista está revisando este caso." in _spanish(client, actors.alice, url)
    assert _left(client, actors.alice, url) == []


@pytest.mark.django_db
def test_the_coordinators_deletion_requests_are_in_spanish(client, actors):
    url = reverse("coordinator:deletion-requests")
    assert _left(client, actors.cora, url) == []
    for state in (Status.IN_REVIEW, Status.DELIVERED):
        data_rights.request_deletion(case=actors.case(state), by=actors.alice)
    assert _left(client, actors.cora, url) == []


@pytest.mark.django_db
def test_asking_in_spanish_is_answered_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    actors.alice.language = "es"
    actors.alice.save()
    client.force_login(actors.alice)

    page = client.post(
        reverse("data_rights:deletion-request", args=[case.reference]), follow=True
    ).text

    assert "Hemos recibido su solicitud. Un coordinador se ocupará de ella." in page


@pytest.mark.django_db
def test_the_english_pages_are_unchanged(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)
    page = client.get(reverse("data_rights:deletion-request", args=[case.reference])).text

    assert "When a coordinator approves your request we delete your answers" in page
    assert "A specialist is reviewing this case. It can be deleted once the opinion is" in page
