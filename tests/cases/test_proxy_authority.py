"""A caregiver acts for a patient only with recorded authority; the patient sees it and can revoke
it, after which the caregiver finds nothing; every action names whom it was done for."""

import re

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, CaseFor, ProxyAuthority, Status
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from tests.factories import MINIMAL_PDF, complete_draft, pdf_upload, proxy_authority

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def carols_case_for_alice(actors, status: str = Status.DRAFT) -> Case:
    authority = proxy_authority(actors.carol, actors.alice.email)
    return actors.case(status, owner=actors.carol, authority=authority)


def authority_form(**overrides):
    return {
        "patient_email": "mum@example.org",
        "basis": "power_of_attorney",
        "document": pdf_upload("lasting-power-of-attorney.pdf"),
    } | overrides


def test_a_caregiver_cannot_open_a_case_for_someone_without_authority(actors):
    with pytest.raises(ApplicationError, match="Record your authority"):
        services.create_case(by=actors.carol, case_for=CaseFor.SOMEONE_ELSE)
    assert not Case.objects.exists()


def test_a_caregiver_cannot_use_someone_elses_authority(actors):
    authority = proxy_authority(actors.carol, "mum@example.org")

    with pytest.raises(ApplicationError, match="Record your authority"):
        services.create_case(by=actors.bob, case_for=CaseFor.SOMEONE_ELSE, authority=authority)


def test_recording_authority_with_a_document_opens_the_draft_for_the_patient(client, actors):
    client.force_login(actors.carol)

    response = client.post(reverse("cases:authority-new"), authority_form())

    case = Case.objects.get(owner=actors.carol)
    authority = case.proxy_authority
    assert response["Location"] == reverse("cases:intake-step", args=[case.reference, "patient"])
    assert case.case_for == CaseFor.SOMEONE_ELSE
    assert (authority.patient_email, authority.basis) == ("mum@example.org", "power_of_attorney")
    assert authority.document_type == "application/pdf"
    assert authority.document_name == "lasting-power-of-attorney.pdf"
    # Stored privately under a random name, never the uploaded one.
    assert authority.document.name.startswith("authorities/")
    assert "attorney" not in authority.document.name
    assert authority.document.read() == MINIMAL_PDF


def test_an_image_of_the_document_is_accepted(client, actors):
    client.force_login(actors.carol)
    photo = pdf_upload("photo.png", PNG)

    client.post(reverse("cases:authority-new"), authority_form(document=photo))

    assert ProxyAuthority.objects.get().document_type == "image/png"


@pytest.mark.parametrize(
    "name, content",
    [
        ("authority.pdf", b"MZ\x90\x00" + bytes(200) + b"This program cannot be run"),
        ("authority.pdf", b"<html><script>alert(1)</script></html>"),
        ("letter.docx", b"PK\x03\x04" + bytes(100)),
    ],
)
def test_an_authority_document_that_is_not_a_pdf_or_image_is_refused_next_to_the_field(
    client, actors, name, content
):
    client.force_login(actors.carol)

    response = client.post(
        reverse("cases:authority-new"),
        authority_form(document=pdf_upload(name, content), patient_email="dad@example.org"),
    )

    assert response.status_code == 200
    message = f"“{name}” is not a PDF or an image."
    assert f'<a href="#id_document">{message}' in response.text
    assert 'id="id_document_error"' in response.text
    assert 'value="dad@example.org"' in response.text
    assert re.search(r'value="power_of_attorney"[^>]*checked', response.text)
    assert not ProxyAuthority.objects.exists()
    assert not Case.objects.exists()


def test_a_caregiver_may_reuse_an_authority_they_recorded(client, actors):
    authority = proxy_authority(actors.carol, "mum@example.org")
    client.force_login(actors.carol)

    page = client.get(reverse("cases:authority-new"))
    client.post(reverse("cases:authority-new"), {"use": "1", "authority": authority.pk})

    assert "mum@example.org" in page.text
    assert Case.objects.get(owner=actors.carol).proxy_authority == authority


def test_the_patient_sees_who_acts_for_them_and_the_cases_opened_for_them(client, actors):
    case = carols_case_for_alice(actors, Status.SUBMITTED)
    client.force_login(actors.alice)

    dashboard = client.get(reverse("cases:dashboard"))
    detail = client.get(reverse("cases:case-detail", args=[case.reference]))

    assert "People who act for you" in dashboard.text
    assert "Carol Caregiver (carol@example.org)" in dashboard.text
    assert "opened for you by Carol Caregiver" in dashboard.text
    assert detail.status_code == 200


def test_an_unverified_address_does_not_make_someone_the_patient(client, actors):
    case = carols_case_for_alice(actors, Status.SUBMITTED)
    actors.alice.emailaddress_set.update(verified=False)
    client.force_login(actors.alice)

    assert "People who act for you" not in client.get(reverse("cases:dashboard")).text
    assert client.get(reverse("cases:case-detail", args=[case.reference])).status_code == 404


def test_after_the_patient_revokes_the_authority_the_caregiver_gets_404(client, actors):
    case = carols_case_for_alice(actors, Status.SUBMITTED)
    authority = case.proxy_authority
    client.force_login(actors.alice)

    confirm = client.get(reverse("cases:authority-revoke", args=[authority.pk]))
    client.post(reverse("cases:authority-revoke", args=[authority.pk]))

    authority.refresh_from_db()
    assert "Stop Carol Caregiver acting for you" in confirm.text
    assert (authority.revoked_by, authority.revoked_at is not None) == (actors.alice, True)
    client.force_login(actors.carol)
    assert client.get(reverse("cases:case-detail", args=[case.reference])).status_code == 404
    assert client.get(reverse("cases:dashboard")).text.count(case.reference) == 0
    with pytest.raises(ApplicationError, match="permission"):
        services.withdraw_case(case=case, by=actors.carol, reason="no")
    # The patient carries on with the case.
    client.force_login(actors.alice)
    assert client.get(reverse("cases:case-detail", args=[case.reference])).status_code == 200


def test_only_the_patient_can_revoke(client, actors):
    authority = carols_case_for_alice(actors).proxy_authority
    url = reverse("cases:authority-revoke", args=[authority.pk])

    for someone in (actors.carol, actors.bob, actors.cora):
        client.force_login(someone)
        assert client.post(url).status_code == 404
    authority.refresh_from_db()
    assert authority.is_active


def test_reads_and_changes_by_the_caregiver_are_audited_for_the_patient(client, actors):
    case = carols_case_for_alice(actors)
    client.force_login(actors.carol)

    client.get(reverse("cases:case-detail", args=[case.reference]))
    client.post(
        reverse("cases:intake-step", args=[case.reference, "treatment"]), {"treatment": "None"}
    )
    services.submit_case(case=Case.objects.get(pk=case.pk), by=actors.carol)

    for action in ("case.view", "case.update", "consent.sign", "case.submit"):
        event = AuditEvent.objects.filter(action=action, case_id=case.pk).latest("at")
        assert (event.actor, event.on_behalf_of) == (actors.carol, actors.alice), action


def test_the_patients_own_actions_are_audited_without_on_behalf_of(client, actors):
    case = carols_case_for_alice(actors, Status.SUBMITTED)
    client.force_login(actors.alice)

    client.get(reverse("cases:case-detail", args=[case.reference]))

    event = AuditEvent.objects.get(action="case.view", case_id=case.pk)
    assert (event.actor, event.on_behalf_of) == (actors.alice, None)


def test_a_caregiver_signs_the_consent_for_the_patient(actors):
    authority = proxy_authority(actors.carol, actors.alice.email)

    case = complete_draft(actors.carol, authority=authority)

    consent = case.consents.get()
    assert (consent.signed_by, consent.on_behalf_of) == (actors.carol, actors.alice)


def test_the_authority_document_is_an_audited_attachment_for_those_who_may_see_it(client, actors):
    case = carols_case_for_alice(actors, Status.SUBMITTED)
    url = reverse("cases:authority-document", args=[case.proxy_authority.pk])

    for reader in (actors.carol, actors.alice, actors.cora):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
    for stranger in (actors.bob, actors.dr_smith.user):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    readers = AuditEvent.objects.filter(action="authority.document_download")
    assert set(readers.values_list("actor", flat=True)) == {
        actors.carol.pk,
        actors.alice.pk,
        actors.cora.pk,
    }


def test_the_caregivers_basis_keeps_its_wording_and_capitals(client, actors):
    case = carols_case_for_alice(actors, Status.SUBMITTED)
    authority = case.proxy_authority
    said = "“I am the parent or guardian of a child under 18”"

    client.force_login(actors.cora)
    detail = client.get(reverse("cases:case-detail", args=[case.reference]))
    client.force_login(actors.alice)
    revoke = client.get(reverse("cases:authority-revoke", args=[authority.pk]))
    client.force_login(actors.carol)
    dashboard = client.get(reverse("cases:dashboard"))

    for page in (detail, revoke, dashboard):
        assert said in page.text
        assert "i am the parent" not in page.text


def test_a_stopped_caregiver_is_told_why_and_is_never_linked_to_a_case_they_lost(client, actors):
    from secondopinion.notifications.services import notify

    case = carols_case_for_alice(actors, Status.SUBMITTED)
    detail = reverse("cases:case-detail", args=[case.reference])
    notify(user=actors.carol, message=f"Case {case.reference} was updated.", link=detail)
    client.force_login(actors.carol)
    before = client.get(reverse("notifications:list")).text
    assert f'href="{detail}"' in before
    client.force_login(actors.alice)
    client.post(reverse("cases:authority-revoke", args=[case.proxy_authority.pk]))

    client.force_login(actors.carol)
    dashboard = client.get(reverse("cases:dashboard")).text
    notifications = client.get(reverse("notifications:list")).text

    assert f"The patient ({actors.alice.email}) stopped your access on" in dashboard
    assert "You can no longer see the request you opened for them" in dashboard
    assert "You have no requests yet" not in dashboard
    assert f'href="{detail}"' not in notifications
    assert f"Case {case.reference} was updated. <span" in notifications
    assert "You can no longer open this case." in notifications
    assert "A patient you acted for has withdrawn your authority" in notifications


def test_a_new_authority_without_its_document_is_refused_next_to_the_field(actors):
    case = actors.case(Status.DRAFT, owner=actors.carol)

    with pytest.raises(ApplicationError, match="Choose the document") as refused:
        services.set_proxy_authority(
            case=case, by=actors.carol, patient_email="mum@example.org", basis="power_of_attorney"
        )

    assert refused.value.field == "document"
    assert not ProxyAuthority.objects.exists()
    case.refresh_from_db()
    assert case.proxy_authority_id is None
