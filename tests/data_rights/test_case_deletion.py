"""A patient asks to delete their case; a coordinator approves; PHI and files are gone, the
non-PHI audit trail stays."""

import html
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseEvent, Status
from data_rights import services as data_rights
from data_rights.models import DeletionRequest
from records import provider_requests
from secondopinion.audit.models import AuditEvent
from tests.i18n.pages import speaks
from tests.records.files import picture


def related_rows(case: Case) -> list[models.Model]:
    rows = [Case.objects.get(pk=case.pk)]
    for relation in data_rights._relations_to_case():
        rows += list(relation.related_model._base_manager.filter(**{relation.field.name: case}))
    return rows


def text_of(row: models.Model) -> str:
    return " ".join(
        str(getattr(row, field.attname))
        for field in row._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    )


@pytest.fixture
def no_retention(settings):
    settings.DATA_RETENTION_DAYS = 0


def test_an_approved_deletion_leaves_no_phi_and_no_file(
    client, actors, no_retention, django_capture_on_commit_callbacks
):
    case = actors.case(Status.DELIVERED)
    phi = [
        case.patient_name,
        case.diagnosis,
        case.question,
        case.insurance_member_id or "x" * 40,
    ]
    phi += [record.original_name for record in case.records.all()]
    phi += [case.opinion.diagnosis, case.opinion.reasoning]
    # A huge image's reduced copy (records.images) is the record's too.
    record = case.records.first()
    record.reduced.save("reduced.png", ContentFile(picture(40, 30, "PNG")))
    files = [(r.file.storage, r.file.name) for r in case.records.all()]
    files += [(record.reduced.storage, record.reduced.name)]
    files += [(r.file.storage, r.file.name) for r in case.reports.all()]
    assert files and all(storage.exists(name) for storage, name in files)

    client.force_login(actors.alice)
    client.post(reverse("data_rights:deletion-request", args=[case.reference]))
    client.force_login(actors.cora)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("coordinator:deletion-decide", args=[case.reference]))

    assert response.status_code == 302
    assert DeletionRequest.objects.get(case=case).status == DeletionRequest.Status.DONE
    texts = " ".join(text_of(row) for row in related_rows(case))
    for value in phi:
        if value:
            assert value not in texts
    assert not any(storage.exists(name) for storage, name in files)
    # The non-PHI trail stays: the reference, the state, the timeline's steps, the audit log.
    kept = Case.objects.get(pk=case.pk)
    assert kept.reference == case.reference and kept.status == Status.DELIVERED
    assert CaseEvent.objects.filter(case=case, to_status=Status.DELIVERED).exists()
    done = AuditEvent.objects.get(action="case.deletion_done", case_id=case.pk)
    assert done.detail["files"] == len(files)


def test_a_case_under_review_is_refused_with_why(client, actors):
    case = actors.case(Status.IN_REVIEW)
    data_rights.request_deletion(case=case, by=actors.alice)

    deletion = data_rights.decide_deletion(case=case, by=actors.cora)

    assert deletion.status == DeletionRequest.Status.REFUSED
    assert "A specialist is reviewing this case" in deletion.refusal_reason
    assert Case.objects.get(pk=case.pk).patient_name == case.patient_name
    client.force_login(actors.alice)
    page = client.get(reverse("data_rights:deletion-request", args=[case.reference]))
    assert "A specialist is reviewing this case" in page.text


@pytest.mark.any_day
def test_a_delivered_opinion_is_kept_for_the_retention_period(actors, settings):
    settings.DATA_RETENTION_DAYS = 30
    case = actors.case(Status.DELIVERED)
    data_rights.request_deletion(case=case, by=actors.alice)

    deletion = data_rights.decide_deletion(case=case, by=actors.cora)

    assert deletion.status == DeletionRequest.Status.REFUSED
    assert "keep a delivered opinion for 30 days" in deletion.refusal_reason
    later = timezone.now() + timedelta(days=31)
    assert data_rights.why_not_deletable(case, now=later) is None


def test_a_refusal_is_read_by_each_side_in_their_own_language(client, actors, settings):
    settings.DATA_RETENTION_DAYS = 3650
    case = actors.case(Status.DELIVERED)
    delivered = timezone.make_aware(datetime(2026, 12, 1, 12, 0))
    CaseEvent.objects.filter(case=case, to_status=Status.DELIVERED).update(at=delivered)
    data_rights.request_deletion(case=case, by=actors.alice)
    speaks(actors.alice, "es")

    speaks(actors.cora, "en-gb", client=client)
    decided = client.post(
        reverse("coordinator:deletion-decide", args=[case.reference]), follow=True
    )
    speaks(actors.alice, "es", client=client)
    patients_page = client.get(reverse("data_rights:deletion-request", args=[case.reference]))

    assert (
        "Refused: We must keep a delivered opinion for 3650 days: it can be deleted from "
        "28 Nov 2036."
    ) in html.unescape(decided.text)
    assert (
        "Debemos conservar una opinión entregada durante 3650 días: se podrá eliminar a "
        "partir del 28 de noviembre de 2036."
    ) in patients_page.text


def test_a_refusal_kept_before_its_words_were_kept_is_shown_as_it_was(client, actors):
    case = actors.case(Status.IN_REVIEW)
    DeletionRequest.objects.create(
        case=case,
        requested_by=actors.alice,
        status=DeletionRequest.Status.REFUSED,
        refusal_reason="Un especialista está revisando este caso.",
    )
    client.force_login(actors.alice)

    page = client.get(reverse("data_rights:deletion-request", args=[case.reference]))

    assert "Un especialista está revisando este caso." in page.text


def test_coordinators_see_pending_requests_with_whether_they_can_be_done(client, actors):
    case = actors.case(Status.IN_REVIEW)
    data_rights.request_deletion(case=case, by=actors.alice)
    client.force_login(actors.cora)

    response = client.get(reverse("coordinator:deletion-requests"))

    assert case.reference in response.text
    assert "Refuse, saying why" in response.text


def test_only_the_patient_side_can_ask(client, actors):
    case = actors.case(Status.DELIVERED)
    for user in (actors.bob, actors.cora, actors.dr_smith.user):
        client.force_login(user)
        response = client.post(reverse("data_rights:deletion-request", args=[case.reference]))
        assert response.status_code == 404
    assert not DeletionRequest.objects.exists()


def test_rows_without_a_reverse_accessor_go_too(actors, no_retention):
    case = actors.case(Status.SUBMITTED)
    provider_requests.create_records_request(
        case=case,
        by=actors.alice,
        provider_name="Dr Ada Brown",
        provider_organisation="City Hospital",
        provider_email="records@city-hospital.example",
        records_wanted="Knee MRI",
    )
    case_services.withdraw_case(case=case, by=actors.alice, reason="Changed my mind")
    data_rights.request_deletion(case=case, by=actors.alice)

    data_rights.decide_deletion(case=case, by=actors.cora)

    texts = " ".join(text_of(row) for row in related_rows(case))
    for value in ("Knee MRI", "records@city-hospital.example", case.patient_name):
        assert value not in texts
