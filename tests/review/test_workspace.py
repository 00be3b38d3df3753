"""The specialist's workspace: one page per case in review for its reviewer only, the records
beside the opinion form, autosaved drafts with a version counter (a second tab is told, not
overwritten), and the drafts restored on the next visit."""

import json
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Status
from records import services as record_services
from records.models import RecordFile
from review import opinion_drafts
from review import services as review_services
from review.models import Opinion, OpinionDraft
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from tests.factories import pdf_upload
from tests.records.files import dicom_study

REASONING = "The margins on slide 4 are clear at 4 mm; a second excision adds risk."


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _autosave(client: Client, case, version: int, **fields):
    return client.post(
        reverse("review:opinion-autosave", args=[case.reference]),
        json.dumps({"version": version, "fields": fields}),
        content_type="application/json",
    )


@pytest.fixture
def reviewing(actors):
    return actors.case(Status.IN_REVIEW)


def _pdf_record(case, uploaded_by) -> RecordFile:
    return RecordFile.objects.create(
        case=case,
        uploaded_by=uploaded_by,
        original_name="pathology-report.pdf",
        content_type="application/pdf",
        size=1000,
        sha256="0" * 64,
        file=pdf_upload(),
        scan_status=RecordFile.ScanStatus.CLEAN,
    )


def _views_of(record) -> int:
    return AuditEvent.objects.filter(action="record.view", object_id=str(record.pk)).count()


def test_the_reviewer_sees_records_the_question_and_the_form_on_one_page(actors, reviewing):
    page = _client(actors.dr_smith.user).get(
        reverse("review:workspace", args=[reviewing.reference])
    )

    assert page.status_code == 200
    text = page.text
    assert "The patient's question" in text and reviewing.question in text
    assert 'id="records-heading"' in text and 'aria-label="Records to read"' in text
    assert "The answers given in the request" in text
    assert "Questions asked of the patient" in text
    autosave_url = reverse("review:opinion-autosave", args=[reviewing.reference])
    assert f'data-autosave-url="{autosave_url}"' in text
    assert 'role="status" aria-live="polite"' in text
    assert AuditEvent.objects.filter(
        action="case.view", case_id=reviewing.pk, actor=actors.dr_smith.user
    ).exists()


def test_the_records_are_listed_to_open_in_the_viewer(actors, reviewing):
    record = _pdf_record(reviewing, actors.alice)

    text = (
        _client(actors.dr_smith.user)
        .get(reverse("review:workspace", args=[reviewing.reference]))
        .text
    )

    assert "PDF documents" in text
    assert f"?record={record.pk}#viewer" in text


@pytest.mark.parametrize("who", ["dr_jones", "cora", "alice"])
def test_no_one_but_the_reviewer_opens_the_workspace_or_saves_its_draft(actors, reviewing, who):
    user = getattr(actors, who)
    client = _client(getattr(user, "user", user))

    assert client.get(reverse("review:workspace", args=[reviewing.reference])).status_code == 404
    assert _autosave(client, reviewing, 0, reasoning=REASONING).status_code == 404
    assert not OpinionDraft.objects.exists()


def test_an_offered_specialist_who_has_not_accepted_gets_404(actors):
    offered = actors.case(Status.OFFERED)
    client = _client(actors.dr_smith.user)

    assert client.get(reverse("review:workspace", args=[offered.reference])).status_code == 404


def test_the_old_opinion_address_leads_to_the_workspace(actors, reviewing):
    response = _client(actors.dr_smith.user).get(
        reverse("review:opinion-edit", args=[reviewing.reference])
    )

    assert response.status_code == 302
    assert response.url == reverse("review:workspace", args=[reviewing.reference])


def test_the_write_your_opinion_button_goes_to_the_workspace(actors, reviewing):
    page = _client(actors.dr_smith.user).get(
        reverse("cases:case-detail", args=[reviewing.reference])
    )

    assert reverse("review:workspace", args=[reviewing.reference]) in page.text


@time_machine.travel("2026-12-06 14:02:30+00:00", tick=False)
def test_an_autosave_keeps_what_was_typed_as_typed_and_says_when(actors, reviewing, settings):
    settings.TIME_ZONE = "UTC"
    client = _client(actors.dr_smith.user)

    saved = _autosave(client, reviewing, 0, reasoning=REASONING, urgency="not-a-choice")

    assert saved.status_code == 200
    assert saved.json() == {
        "version": 1,
        "saved_at": "2026-12-06T14:02:30+00:00",
        "message": "Saved at 14:02",
    }
    draft = OpinionDraft.objects.get(case=reviewing)
    assert draft.data == {"reasoning": REASONING, "urgency": "not-a-choice"}
    # The opinion itself is not touched: the draft is kept beside it.
    assert not Opinion.objects.filter(case=reviewing).exists()


def test_a_reload_puts_the_draft_back_in_the_form(actors, reviewing):
    client = _client(actors.dr_smith.user)
    _autosave(client, reviewing, 0, reasoning=REASONING, attested="on", relation="refine")

    page = client.get(reverse("review:workspace", args=[reviewing.reference])).text

    assert REASONING in page
    assert "is back in the form, as you typed it" in page
    assert 'data-autosave-version="1"' in page
    assert re.search(r'<input[^>]*value="refine"[^>]*checked', page)
    assert re.search(r'<input[^>]*name="attested"[^>]*checked', page)


def test_a_save_from_a_second_tab_with_an_older_version_is_refused_and_changes_nothing(
    actors, reviewing
):
    first_tab = _client(actors.dr_smith.user)
    second_tab = _client(actors.dr_smith.user)
    assert _autosave(first_tab, reviewing, 0, reasoning=REASONING).status_code == 200

    refused = _autosave(second_tab, reviewing, 0, reasoning="Typed in the other tab")

    assert refused.status_code == 409
    assert refused.json()["conflict"] is True
    assert refused.json()["version"] == 1
    assert "changed in another tab or window" in refused.json()["message"]
    assert OpinionDraft.objects.get(case=reviewing).data == {"reasoning": REASONING}
    # Keeping the second tab's text: it saves over the version the server has now.
    kept = _autosave(second_tab, reviewing, 1, reasoning="Typed in the other tab")
    assert kept.status_code == 200 and kept.json()["version"] == 2


def test_a_save_of_what_the_draft_holds_moves_no_version_so_the_next_page_stays_current(
    actors, reviewing
):
    # Leaving a field for a record link sends the same text once more, racing the record's page
    # as it reads the version: that page's own saves must not be refused afterwards.
    leaving = _client(actors.dr_smith.user)
    assert _autosave(leaving, reviewing, 0, reasoning=REASONING).json()["version"] == 1
    opened_next = _client(actors.dr_smith.user)

    for late_version in (1, 0):
        late = _autosave(leaving, reviewing, late_version, reasoning=REASONING)
        assert late.status_code == 200 and late.json()["version"] == 1

    typed_there = _autosave(opened_next, reviewing, 1, reasoning=REASONING, diagnosis="DCIS")
    assert typed_there.status_code == 200 and typed_there.json()["version"] == 2
    assert OpinionDraft.objects.get(case=reviewing).refused == {}


def test_saving_the_form_settles_the_draft_and_an_older_tab_cannot_overwrite_it(actors, reviewing):
    client = _client(actors.dr_smith.user)
    _autosave(client, reviewing, 0, reasoning=REASONING)
    url = reverse("review:workspace", args=[reviewing.reference])

    response = client.post(url, {"save": "", "reasoning": "Rewritten and saved"})

    assert response.status_code == 302
    assert Opinion.objects.get(case=reviewing).reasoning == "Rewritten and saved"
    draft = OpinionDraft.objects.get(case=reviewing)
    assert draft.data == {} and draft.version == 2
    assert "is back in the form" not in client.get(url).text
    assert _autosave(client, reviewing, 1, reasoning="stale").status_code == 409


def test_a_draft_too_long_to_be_typing_is_refused(actors, reviewing):
    response = _autosave(_client(actors.dr_smith.user), reviewing, 0, reasoning="x" * 250_000)

    assert response.status_code == 413
    assert not OpinionDraft.objects.filter(data__has_key="reasoning").exists()


def test_an_autosave_that_is_not_json_is_refused(actors, reviewing):
    response = _client(actors.dr_smith.user).post(
        reverse("review:opinion-autosave", args=[reviewing.reference]),
        "reasoning=x",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400


def test_fields_that_are_not_the_opinions_are_not_kept(actors, reviewing):
    draft = opinion_drafts.autosave_opinion_draft(
        case=reviewing,
        by=actors.dr_smith.user,
        data={"reasoning": REASONING, "status": "delivered", "diagnosis": ["a list"]},
        version=0,
        allowed=opinion_drafts.draft_field_names([]),
    )

    assert draft.data == {"reasoning": REASONING}


def test_autosaving_a_case_not_in_review_is_refused(actors):
    case = actors.case(Status.INFO_REQUESTED)

    with pytest.raises(ApplicationError):
        opinion_drafts.autosave_opinion_draft(
            case=case, by=actors.dr_smith.user, data={}, version=0, allowed=set()
        )


def test_a_stretch_of_autosaves_leaves_one_audit_event(actors, reviewing):
    client = _client(actors.dr_smith.user)
    for version in range(3):
        _autosave(client, reviewing, version, reasoning=REASONING[: 10 + version])

    assert AuditEvent.objects.filter(action="opinion.autosave", case_id=reviewing.pk).count() == 1


def test_the_workspace_runs_at_most_12_queries(actors, reviewing, django_assert_max_num_queries):
    # The pages' goal (bench/pages.py MAX_QUERIES).
    client = _client(actors.dr_smith.user)
    url = reverse("review:workspace", args=[reviewing.reference])
    _autosave(client, reviewing, 0, reasoning=REASONING)

    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_opening_a_record_in_the_viewer_keeps_the_workspace_within_12_queries(
    actors, reviewing, django_assert_max_num_queries
):
    # The first opening, the dearest: the file's viewing audited and the browser's session told
    # (so that a reload audits nothing new), every statement counted, SAVEPOINTs included. It
    # was 17: the records requests no one is shown, the file read again after the list, the
    # opinion and the specialty template's three reads each a query of their own.
    review_services.save_opinion_draft(case=reviewing, by=actors.dr_smith.user, reasoning=REASONING)
    record = _pdf_record(reviewing, actors.alice)
    client = _client(actors.dr_smith.user)
    _autosave(client, reviewing, 0, diagnosis="DCIS")
    url = reverse("review:workspace", args=[reviewing.reference]) + f"?record={record.pk}"

    with django_assert_max_num_queries(12):
        page = client.get(url)

    assert page.status_code == 200
    assert 'data-viewer-kind="pdf"' in page.text
    assert REASONING in page.text  # the opinion, read with the case
    assert _views_of(record) == 1


def test_a_dicom_series_opens_in_the_workspace_in_order_each_slice_audited_once(
    actors, reviewing, django_assert_max_num_queries
):
    slices = [
        record_services.read_record(
            record_id=record_services.add_record(
                case=reviewing,
                by=actors.alice,
                upload=SimpleUploadedFile(f"IM{n}.dcm", content, "application/octet-stream"),
            ).pk
        )
        for n, content in enumerate(dicom_study(4), start=1)
    ]
    client = _client(actors.dr_smith.user)
    workspace = reverse("review:workspace", args=[reviewing.reference])
    client.get(workspace)  # opened first; then a slice is chosen from its list

    with django_assert_max_num_queries(12):
        page = client.get(f"{workspace}?record={slices[2].pk}").text
    client.get(f"{workspace}?record={slices[0].pk}")

    series = " ".join(reverse("records:record-inline", args=[item.pk]) for item in slices)
    assert f'data-viewer-series="{series}"' in page
    assert [_views_of(item) for item in slices] == [1, 1, 1, 1]


def test_a_refused_save_is_kept_aside_and_shown_until_the_opinion_is_saved(actors, reviewing):
    first_tab = _client(actors.dr_smith.user)
    _autosave(first_tab, reviewing, 0, reasoning=REASONING)
    url = reverse("review:workspace", args=[reviewing.reference])

    refused = _autosave(_client(actors.dr_smith.user), reviewing, 0, diagnosis="Other tab's")

    assert refused.status_code == 409
    draft = OpinionDraft.objects.get(case=reviewing)
    assert draft.data == {"reasoning": REASONING} and draft.version == 1
    assert draft.refused == {"diagnosis": "Other tab's"}
    page = first_tab.get(url).text
    assert "Text from another tab or window that was not saved" in page
    assert "Other tab&#x27;s" in page
    first_tab.post(url, {"save": "", "reasoning": REASONING})
    assert "Text from another tab" not in first_tab.get(url).text
