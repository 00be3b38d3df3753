"""The coordinators' back office in Spanish: the queues, search, metrics, audit log and opinion
templates. Case content (names, titles) stays as the patient wrote it."""

import re

import pytest
from django.urls import reverse

from backoffice import metrics
from cases.models import Status
from specialists.models import Specialty
from tests.i18n.pages import english_left, sentences

from .test_specialist_pages_in_spanish import SHARED

# People's names, and the metrics' quarters ("2026 Q4": a code, kept as stored).
NAMES = re.compile(r"^(Dr [A-Z][a-z]+ [A-Z][a-z]+|Cora Coordinator|Bob Patient|\d{4} Q[1-4])$")


def _left(client, user, url: str, *, same=frozenset()) -> list[str]:
    specialties = set(Specialty.objects.values_list("name", flat=True))
    found = english_left(client, user, url, same={*same, *SHARED, *specialties})
    return [text for text in found if not NAMES.match(text)]


def _english_sentences(client, user, url: str, start: str, end: str | None = None) -> set[str]:
    """The sentences of the English page between `start` and `end`: a part another app renders."""
    user.language = "en-gb"
    user.save(update_fields=["language"])
    client.force_login(user)
    page = client.get(url).text
    begin = page.index(start)
    return sentences(page[begin : page.index(end, begin) if end else None])


@pytest.fixture
def cases(actors):
    """A case in each queue's state, and one past its service level."""
    made = [
        actors.case(state)
        for state in (
            Status.SUBMITTED,
            Status.TRIAGE,
            Status.NEEDS_INFO,
            Status.MATCHING,
            Status.OFFERED,
            Status.IN_REVIEW,
            Status.OPINION_SUBMITTED,
            Status.DELIVERED,
        )
    ]
    return made


@pytest.mark.django_db
def test_every_queue_is_in_spanish(client, actors, cases):
    left = {}
    for key in ("new", "needs_info", "matching", "offers_expiring", "overdue_reviews", "quality"):
        url = reverse("coordinator:queue") + f"?queue={key}"
        left[key] = _left(client, actors.cora, url)
    left["coverage"] = _left(client, actors.cora, reverse("coordinator:queue") + "?queue=coverage")
    assert {key: found for key, found in left.items() if found} == {}


@pytest.mark.django_db
def test_search_is_in_spanish(client, actors, cases):
    found = _left(client, actors.cora, reverse("coordinator:search") + "?q=alice")
    none = _left(client, actors.cora, reverse("coordinator:search") + "?q=nobody-at-all")
    assert found == []
    assert none == []


@pytest.mark.django_db
def test_the_metrics_page_is_in_spanish(client, actors, cases):
    url = reverse("coordinator:metrics")
    # The outcomes app's section at the end (its own template tag) is not this page's text.
    start = 'aria-labelledby="outcome-figures-heading"'
    outcomes = _english_sentences(client, actors.cora, url, start)
    assert _left(client, actors.cora, url, same=outcomes) == []  # not computed yet
    metrics.refresh_snapshot()
    outcomes = _english_sentences(client, actors.cora, url, start)
    assert _left(client, actors.cora, url, same=outcomes) == []


@pytest.mark.django_db
def test_the_audit_log_is_in_spanish(client, actors, cases):
    left = _left(client, actors.cora, reverse("audit:event-list"))
    # The log's own words are data: action names (case.submit …) and object types, the same in
    # every language.
    assert [
        text for text in left if not re.fullmatch(r"[a-z_.]+(:\d+)?|[a-z_]+\.[a-z_.]+", text)
    ] == []


@pytest.mark.django_db
def test_the_opinion_templates_page_is_in_spanish(client, actors):
    url = reverse("coordinator:specialty-fields")
    # The form to add a field is review's (review/forms.py SpecialtyFieldForm), not this page's.
    form = _english_sentences(client, actors.cora, url, 'id="add-field"', "</form>")
    form -= {"Add a field", "Add the field"}
    assert _left(client, actors.cora, url, same=form) == []


@pytest.mark.django_db
def test_a_bad_search_and_a_bad_bulk_action_are_refused_in_spanish(client, actors, cases):
    actors.cora.language = "es"
    actors.cora.save()
    client.force_login(actors.cora)

    search = client.get(reverse("coordinator:search") + "?q=a").text
    bulk = client.post(
        reverse("coordinator:queue-bulk"), {"queue": "new", "action": "assign"}, follow=True
    ).text

    assert "Seleccione antes al menos un caso." in bulk
    assert "Select at least one case first." not in bulk
    assert "Ensure this value has at least" not in search


@pytest.mark.django_db
def test_the_english_queue_is_unchanged(client, actors, cases):
    client.force_login(actors.cora)
    page = client.get(reverse("coordinator:queue") + "?queue=new").text

    assert "Cases waiting for a coordinator, by what they wait for." in page
    assert "Submitted, not yet triaged" in page
    assert "New submissions" in page
