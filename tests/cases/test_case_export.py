"""The patient downloads everything about their case as a ZIP: FHIR JSON, records, reports."""

import io
import json
import zipfile

from django.urls import reverse

from cases.models import Case, Status
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent


def download(client, case) -> zipfile.ZipFile:
    response = client.get(reverse("data_rights:case-export", args=[case.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def resources(archive: zipfile.ZipFile) -> dict[str, list[dict]]:
    bundle = json.loads(archive.read("case.fhir.json"))
    assert bundle["resourceType"] == "Bundle"
    found: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_the_zip_holds_the_answers_as_fhir_the_records_and_the_reports(client, actors):
    case = actors.case(Status.DELIVERED)
    RecordFile.objects.filter(case=case).update(scan_status=RecordFile.ScanStatus.CLEAN)
    client.force_login(actors.alice)

    archive = download(client, case)

    found = resources(archive)
    assert set(found) == {
        "Patient",
        "Condition",
        "ServiceRequest",
        "DocumentReference",
        "DiagnosticReport",
    }
    assert found["Patient"][0]["name"][0]["text"] == case.patient_name
    assert found["Condition"][0]["code"]["text"] == case.diagnosis
    assert found["ServiceRequest"][0]["identifier"][0]["value"] == case.reference
    names = archive.namelist()
    assert "reports/report-v1.pdf" in names
    record = case.records.get()
    assert found["DocumentReference"][0]["content"][0]["attachment"]["url"] in names
    assert any(name.startswith(f"records/{record.pk}-") for name in names)
    assert AuditEvent.objects.filter(action="case.export", case_id=case.pk).exists()


def test_the_zip_holds_nothing_of_another_case(client, actors):
    mine = actors.case(Status.DELIVERED)
    other = actors.case(Status.DELIVERED)
    Case.objects.filter(pk=other.pk).update(patient_name="Zed Elsewhere")
    client.force_login(actors.alice)

    archive = download(client, mine)

    content = b"".join(archive.read(name) for name in archive.namelist())
    assert other.reference.encode() not in content
    assert b"Zed Elsewhere" not in content
    assert not any(
        name.startswith(f"records/{other.records.get().pk}-") for name in archive.namelist()
    )


def test_before_delivery_the_opinion_is_left_out_and_quarantined_files_too(client, actors):
    case = actors.case(Status.OPINION_SUBMITTED)
    RecordFile.objects.filter(case=case).update(scan_status=RecordFile.ScanStatus.INFECTED)
    client.force_login(actors.alice)

    archive = download(client, case)

    assert "DiagnosticReport" not in resources(archive)
    assert not any(name.startswith(("reports/", "records/")) for name in archive.namelist())


def test_others_cannot_download_the_case(client, actors):
    case = actors.case(Status.DELIVERED)
    for user in (actors.bob, actors.cora, actors.dr_smith.user):
        client.force_login(user)
        response = client.get(reverse("data_rights:case-export", args=[case.reference]))
        assert response.status_code == 404
