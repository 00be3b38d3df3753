"""The patient labels each file (imaging, pathology, lab, letter, other) and adds a note."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Status
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent


def test_the_patient_labels_a_file_and_adds_a_note_that_readers_see(client, actors):
    case = actors.case(Status.IN_REVIEW)
    record = case.records.get()
    client.force_login(actors.alice)
    url = reverse("records:record-describe", args=[record.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"label": "pathology", "note": "Biopsy of 3 March <b>2026</b>"})

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.label, record.note) == (
        RecordFile.Label.PATHOLOGY,
        "Biopsy of 3 March <b>2026</b>",
    )
    assert AuditEvent.objects.filter(action="record.describe", object_id=str(record.pk)).exists()
    client.force_login(actors.dr_smith.user)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Pathology" in page
    assert "Biopsy of 3 March &lt;b&gt;2026&lt;/b&gt;" in page


def test_only_the_patient_can_describe_their_files(client, actors):
    record = actors.case(Status.IN_REVIEW).records.get()
    for user in (actors.bob, actors.dr_smith.user, actors.cora):
        client.force_login(user)
        url = reverse("records:record-describe", args=[record.pk])
        assert client.post(url, {"label": "lab"}).status_code == 404
    record.refresh_from_db()
    assert record.label == ""


@pytest.mark.parametrize("language", ["en-gb", "es"])
@pytest.mark.parametrize("label", RecordFile.Label.values)
def test_a_files_label_reads_as_its_choice_in_the_readers_language(label, language):
    record = RecordFile(label=label)
    with translation.override(language):
        assert record.label_name == record.get_label_display()
    assert record.label_name != label


def test_a_label_no_longer_offered_is_shown_as_stored():
    assert RecordFile(label="radiology").label_name == "radiology"
