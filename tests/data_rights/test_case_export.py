"""The patient downloads everything about their case as a ZIP: FHIR JSON, records, reports."""

import base64
import hashlib
import io
import json
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Case, CaseFor, Status
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from tests.factories import proxy_authority
from tests.i18n.pages import speaks


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
        "Consent",
        "Practitioner",
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


# --- The FHIR export validates -----------------------------------------------------------------

REQUEST_STATUSES = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
NON_LATIN_1 = "Zoë Łukasiewicz-Nguyễn 王小明"


def empty_draft(actors) -> Case:
    from cases import services

    return services.create_case(by=actors.alice, case_for=CaseFor.SELF, authority=None)


def caregivers_case(actors, status: str) -> Case:
    authority = proxy_authority(actors.carol, actors.alice.email)
    return actors.case(status, owner=actors.carol, authority=authority)


def empty_elements(value, path: str = "$") -> list[str]:
    """Where the JSON holds "", null, [] or {} (FHIR forbids empty elements), at any depth."""
    if value in ("", None, [], {}):
        return [path]
    if isinstance(value, str) and value != value.strip():
        return [f"{path} (blank around the text)"]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in empty_elements(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in empty_elements(item, f"{path}[{i}]")]
    return []


def references(value) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for item in value.values() for r in references(item)]
    if isinstance(value, list):
        return [r for item in value for r in references(item)]
    return []


def assert_valid_fhir(bundle: dict) -> dict[str, list[dict]]:
    """Validated by fhir.resources' R4B models (the Bundle, then each resource on its own),
    plus what they do not check: no empty elements, fullUrls, references inside the bundle,
    and the request-status value set. Returns the resources by type."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    assert empty_elements(bundle) == []
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    found: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        found.setdefault(resource["resourceType"], []).append(resource)
    assert set(references(bundle)) <= set(full_urls), "a reference to nothing in the bundle"
    [request] = found["ServiceRequest"]
    assert request["status"] in REQUEST_STATUSES
    return found


@pytest.mark.parametrize(
    ("make", "expected_status"),
    [
        (empty_draft, "draft"),
        (lambda actors: actors.case(Status.DRAFT), "draft"),
        (lambda actors: actors.case(Status.NEEDS_INFO), "on-hold"),
        (lambda actors: actors.case(Status.IN_REVIEW), "active"),
        (lambda actors: caregivers_case(actors, Status.IN_REVIEW), "active"),
        (lambda actors: actors.case(Status.DELIVERED), "completed"),
    ],
    ids=["empty-draft", "draft", "needs-info", "in-review", "caregiver-in-review", "delivered"],
)
def test_every_export_is_valid_fhir_r4b_with_the_request_status_mapped(
    client, actors, make, expected_status
):
    case = make(actors)
    RecordFile.objects.filter(case=case).update(scan_status=RecordFile.ScanStatus.CLEAN)
    client.force_login(case.owner)

    found = assert_valid_fhir(json.loads(download(client, case).read("case.fhir.json")))

    assert found["ServiceRequest"][0]["status"] == expected_status
    [patient] = found["Patient"]
    assert patient["identifier"][0]["value"] == case.reference


def test_the_export_carries_the_signed_consent_the_specialist_and_standard_codes(client, actors):
    case = actors.case(Status.DELIVERED)
    RecordFile.objects.filter(case=case).update(scan_status=RecordFile.ScanStatus.CLEAN)
    client.force_login(actors.alice)

    archive = download(client, case)
    found = assert_valid_fhir(json.loads(archive.read("case.fhir.json")))

    [patient] = found["Patient"]
    [reference] = patient["identifier"]
    assert reference["value"] == case.reference
    assert reference["system"].endswith("/fhir/sid/case-reference")
    [consent] = found["Consent"]
    signed = case.consents.get()
    assert consent["status"] == "active"
    assert consent["category"][0]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "59284-0",
        "display": "Consent Document",
    }
    assert base64.b64decode(consent["sourceAttachment"]["data"]).decode() == signed.text.body
    assert consent["performer"][0]["display"] == signed.signed_name
    [practitioner] = found["Practitioner"]
    assert practitioner["name"] == [{"text": "Dr Sarah Smith"}]
    [opinion] = found["DiagnosticReport"]
    assert opinion["code"]["coding"][0]["code"] == "11488-4"  # LOINC: consult note
    practitioner_url = next(
        e["fullUrl"]
        for e in json.loads(archive.read("case.fhir.json"))["entry"]
        if e["resource"]["resourceType"] == "Practitioner"
    )
    assert opinion["performer"][0]["reference"] == practitioner_url
    assert found["ServiceRequest"][0]["performer"][0]["reference"] == practitioner_url
    [document] = found["DocumentReference"]
    record = case.records.get()
    attachment = document["content"][0]["attachment"]
    stored = archive.read(attachment["url"])
    # R4B: Attachment.hash is the base64 of the SHA-1 digest; our SHA-256 is an RFC 6920 name.
    assert base64.b64decode(attachment["hash"]) == hashlib.sha1(stored).digest()  # noqa: S324
    assert document["identifier"][0]["value"] == "ni:///sha-256;" + base64.urlsafe_b64encode(
        bytes.fromhex(record.sha256)
    ).decode().rstrip("=")
    assert hashlib.sha256(stored).hexdigest() == record.sha256


def test_a_case_in_review_names_the_specialist_but_holds_no_opinion(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)

    found = assert_valid_fhir(json.loads(download(client, case).read("case.fhir.json")))

    assert "DiagnosticReport" not in found
    assert [p["name"][0]["text"] for p in found["Practitioner"]] == ["Dr Sarah Smith"]


def test_an_empty_draft_exports_only_what_was_given(client, actors):
    case = empty_draft(actors)
    client.force_login(actors.alice)

    found = assert_valid_fhir(json.loads(download(client, case).read("case.fhir.json")))

    assert set(found) == {"Patient", "ServiceRequest"}
    assert found["ServiceRequest"][0]["status"] == "draft"


def test_a_name_outside_latin_1_survives_the_export(client, actors):
    case = actors.case(Status.DRAFT)
    Case.objects.filter(pk=case.pk).update(patient_name=NON_LATIN_1)
    client.force_login(actors.alice)

    raw = download(client, case).read("case.fhir.json")

    assert NON_LATIN_1.encode() in raw  # UTF-8, not escaped
    found = assert_valid_fhir(json.loads(raw))
    assert found["Patient"][0]["name"] == [{"text": NON_LATIN_1}]


def test_a_coordinator_downloads_the_same_fhir_export_and_it_is_audited(client, actors):
    case = actors.case(Status.DELIVERED)
    RecordFile.objects.filter(case=case).update(scan_status=RecordFile.ScanStatus.CLEAN)
    url = reverse("coordinator:case-fhir-export", args=[case.reference])
    client.force_login(actors.cora)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    response = client.get(url)

    assert url in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    found = assert_valid_fhir(json.loads(response.content))
    assert set(found) == {
        "Patient",
        "Condition",
        "ServiceRequest",
        "Consent",
        "Practitioner",
        "DocumentReference",
        "DiagnosticReport",
    }
    event = AuditEvent.objects.get(action="case.fhir_export", case_id=case.pk)
    assert event.actor == actors.cora
    client.force_login(actors.alice)
    history = client.get(reverse("data_rights:access-history", args=[case.reference])).text
    assert "Downloaded the case as FHIR data" in history
    for user in (actors.alice, actors.bob, actors.dr_smith.user):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_a_coordinators_export_holds_no_opinion_before_delivery_either(client, actors):
    case = actors.case(Status.OPINION_SUBMITTED)
    client.force_login(actors.cora)

    response = client.get(reverse("coordinator:case-fhir-export", args=[case.reference]))

    found = assert_valid_fhir(json.loads(response.content))
    assert "DiagnosticReport" not in found
    assert found["ServiceRequest"][0]["status"] == "active"


def test_the_readme_is_in_the_account_holders_language(client, actors):
    case = actors.case(Status.DELIVERED)
    speaks(actors.alice, "es", client=client)

    readme = download(client, case).read("README.txt").decode()

    assert f"Todo sobre el caso {case.reference}, descargado el " in readme
    assert "case.fhir.json: sus respuestas y la opinión como recursos FHIR R4B" in readme
    assert "records/: los archivos del caso. reports/: los informes en PDF de la opinión." in readme
    assert "Everything" not in readme


def test_the_readme_is_in_english_for_an_english_account(client, actors):
    case = actors.case(Status.DELIVERED)
    speaks(actors.alice, "en-gb", client=client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"  # the page's language is not the account's

    readme = download(client, case).read("README.txt").decode()

    assert readme.startswith(f"Everything about case {case.reference}, downloaded ")
    assert "records/: the files on the case. reports/: the opinion's PDF reports." in readme
