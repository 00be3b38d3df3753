"""Drafts kept across the idle sign-out: the idle script posts a form marked data-save-draft
with `_action=save-draft`; the view keeps what was typed, valid or not, shows it again in the form
when its author comes back, and drops it once the form is saved for real."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import FormDraft, Status
from messaging.models import Message
from review.models import Opinion, OpinionDraft
from secondopinion.celery import app as celery_app

REASONING = "The biopsy margins are clear, so a second excision adds risk without benefit."


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _save_draft(client, url: str, **typed):
    return client.post(url, {"_action": "save-draft", **typed})


@pytest.fixture
def reviewing(actors):
    return actors.case(Status.IN_REVIEW)


def test_the_opinion_being_written_is_kept_as_typed_and_shown_again(actors, reviewing):
    # A page opened before the workspace autosaved: its idle save becomes the opinion's draft.
    url = reverse("review:opinion-edit", args=[reviewing.reference])
    specialist = _client(actors.dr_smith.user)

    saved = _save_draft(specialist, url, reasoning=REASONING, urgency="not-a-choice")

    assert saved.status_code == 204
    draft = OpinionDraft.objects.get(case=reviewing, user=actors.dr_smith.user)
    assert draft.data == {"reasoning": REASONING, "urgency": "not-a-choice"}
    # Nothing was validated or submitted: the opinion itself is as it was.
    assert not Opinion.objects.filter(case=reviewing).exists()
    assert reviewing.status == Status.IN_REVIEW
    page = specialist.get(reverse("review:workspace", args=[reviewing.reference]))
    assert REASONING in page.text
    assert "is back in the form, as you typed it" in page.text


def test_saving_the_opinion_for_real_drops_its_draft(actors, reviewing):
    url = reverse("review:workspace", args=[reviewing.reference])
    specialist = _client(actors.dr_smith.user)
    _save_draft(specialist, url, reasoning=REASONING)

    specialist.post(url, {"save": "", "reasoning": "Rewritten"})

    assert OpinionDraft.objects.get(case=reviewing).data == {}
    assert "is back in the form" not in specialist.get(url).text


def test_someone_who_may_not_write_the_opinion_saves_no_draft(actors, reviewing):
    url = reverse("review:opinion-edit", args=[reviewing.reference])

    response = _save_draft(_client(actors.dr_jones.user), url, reasoning=REASONING)

    assert response.status_code == 404
    assert not OpinionDraft.objects.exists()


def test_a_draft_is_shown_only_to_the_person_who_typed_it(actors):
    case = actors.case(Status.SUBMITTED)
    url = reverse("messaging:case-messages", args=[case.reference])
    _save_draft(_client(actors.alice), url, body="Is the scan from March enough?")

    assert "Is the scan from March enough?" not in _client(actors.cora).get(url).text


def test_a_message_being_written_is_kept_and_not_sent(actors):
    case = actors.case(Status.SUBMITTED)
    url = reverse("messaging:case-messages", args=[case.reference])
    alice = _client(actors.alice)
    sent_before = Message.objects.count()

    assert _save_draft(alice, url, body="Is the scan from March enough?").status_code == 204

    assert Message.objects.count() == sent_before
    page = alice.get(url)
    assert "Is the scan from March enough?" in page.text
    alice.post(url, {"body": "Is the scan from March enough?"})
    assert Message.objects.count() == sent_before + 1
    assert not FormDraft.objects.exists()


def test_an_intake_answer_is_kept_even_when_it_would_not_pass_validation(actors):
    case = actors.case(Status.DRAFT)
    url = reverse("cases:intake-step", args=[case.reference, "patient"])
    alice = _client(actors.alice)

    saved = _save_draft(
        alice, url, patient_name="Alice Q. Patient", patient_date_of_birth="31/02/1970"
    )

    assert saved.status_code == 204
    case.refresh_from_db()
    assert case.patient_name != "Alice Q. Patient"  # not saved as an answer
    page = alice.get(url)
    assert 'value="Alice Q. Patient"' in page.text
    assert 'value="31/02/1970"' in page.text


def test_a_draft_that_is_far_too_long_is_refused(actors):
    case = actors.case(Status.SUBMITTED)
    url = reverse("messaging:case-messages", args=[case.reference])

    response = _save_draft(_client(actors.alice), url, body="x" * 250_000)

    assert response.status_code == 413
    assert not FormDraft.objects.exists()


def test_the_forms_the_idle_script_saves_are_marked(actors, reviewing):
    draft = actors.case(Status.DRAFT)
    # The opinion saves itself as it is typed (the workspace's autosave, which the idle script
    # waits for): tests/review/test_workspace.py.
    pages = [
        (actors.alice, reverse("messaging:case-messages", args=[reviewing.reference])),
        (actors.alice, reverse("cases:intake-step", args=[draft.reference, "question"])),
    ]
    for user, url in pages:
        assert "data-save-draft" in _client(user).get(url).text, url


def test_drafts_nobody_came_back_to_are_forgotten_after_the_set_days(actors, settings):
    import datetime as dt

    import time_machine

    from cases import drafts

    settings.FORM_DRAFT_DAYS = 30
    case = actors.case(Status.SUBMITTED)
    url = reverse("messaging:case-messages", args=[case.reference])
    start = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _save_draft(_client(actors.alice), url, body="Old words")
    with time_machine.travel(start + dt.timedelta(days=29), tick=False):
        assert drafts.forget_old_form_drafts() == 0
    with time_machine.travel(start + dt.timedelta(days=30, minutes=1), tick=False):
        assert drafts.forget_old_form_drafts() == 1
    assert not FormDraft.objects.exists()


def test_the_beat_schedule_forgets_old_drafts():
    from cases.tasks import forget_old_form_drafts

    entry = celery_app.conf.beat_schedule["forget-old-form-drafts"]
    assert entry["task"] == forget_old_form_drafts.name == "cases.tasks.forget_old_form_drafts"
