"""A timeline step keeps what our code said about it as a message and its parameters
(CaseEvent.note_words), shown in each reader's language, apart from the person's own words (note).
The English notes the code wrote before are turned into the same messages; any other note is a
person's words, or one this does not recognise, and is left as it is (shown as written)."""

import re

from django.db import migrations, models

# The notes the code wrote, as they read in English until now, and the messages they become.
FOLLOW_UP_ENDED = "The follow-up window ended"
DID_NOT_ANSWER = "%(specialist)s did not answer in time"
DECLINED = "Declined: %(category)s"
CONSENT_WITHDRAWN = "Consent withdrawn"
# Offer.DeclineReason's labels (message ids), longest first so one is not read as another's start.
DECLINE_LABELS = sorted(
    [
        "I have a conflict of interest",
        "I don't have capacity now",
        "It is outside my expertise",
        "Another reason",
    ],
    key=len,
    reverse=True,
)
_DID_NOT_ANSWER = re.compile(r"(?s)(?P<specialist>.+) did not answer in time")


def _words(message: str, **params) -> dict:
    return {"message": message, "params": params}


def _declined(note: str) -> tuple[dict, str] | None:
    rest = note.removeprefix("Declined: ")
    for label in DECLINE_LABELS:
        if rest == label:
            return _words(DECLINED, category=_words(label)), ""
        if rest.startswith(f"{label} (") and rest.endswith(")"):
            return _words(DECLINED, category=_words(label)), rest[len(label) + 2 : -1]
    return None


def kept_apart(event) -> tuple[dict, str] | None:
    """(note_words, note) for a note the code wrote (with the person's words in it, if any),
    or None for one it did not."""
    note, to_status = event.note, event.to_status
    if to_status == "closed" and event.actor_id is None and note == FOLLOW_UP_ENDED:
        return _words(FOLLOW_UP_ENDED), ""
    if to_status == "matching" and event.actor_id is None:
        found = _DID_NOT_ANSWER.fullmatch(note)
        return (_words(DID_NOT_ANSWER, specialist=found["specialist"]), "") if found else None
    if to_status == "matching" and note.startswith("Declined: "):
        return _declined(note)
    if to_status == "withdrawn" and note == CONSENT_WITHDRAWN:
        return _words(CONSENT_WITHDRAWN), ""
    if to_status == "withdrawn" and note.startswith(f"{CONSENT_WITHDRAWN}: "):
        return _words(CONSENT_WITHDRAWN), note.removeprefix(f"{CONSENT_WITHDRAWN}: ")
    return None


def _english(words: dict) -> str:
    params = {
        name: _english(value) if isinstance(value, dict) else value
        for name, value in words.get("params", {}).items()
    }
    return words["message"] % params if params else words["message"]


def as_english_note(event) -> str:
    """The note as the code wrote it before (for going back a migration)."""
    said = _english(event.note_words)
    if not event.note:
        return said
    if event.note_words["message"] == DECLINED:
        return f"{said} ({event.note})"
    return f"{said}: {event.note}"


def keep_words_apart(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    changed = []
    for event in CaseEvent.objects.exclude(note="").iterator(chunk_size=2000):
        found = kept_apart(event)
        if found:
            event.note_words, event.note = found
            changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["note_words", "note"], batch_size=1000)


def join_words_again(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    changed = []
    for event in CaseEvent.objects.exclude(note_words={}).iterator(chunk_size=2000):
        event.note, event.note_words = as_english_note(event), {}
        changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["note_words", "note"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_consent_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="note_words",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(keep_words_apart, join_words_again),
    ]
