"""A case as a FHIR R4B collection Bundle (what the export's case.fhir.json holds).

Every entry has a `urn:uuid:` fullUrl (stable for a case: the same export twice names the same
resources) and every reference points at one of them. Elements with nothing in them are left out,
never sent as "", null or []: FHIR forbids empty elements. Standard codes are used only where
the code is certain (LOINC for document kinds and the consent, SNOMED CT for the request's
category, HL7 code systems for statuses); everything else is text.
"""

import base64
import hashlib
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.utils import timezone

from cases import permissions
from cases.models import Case, Consent, Status
from records import selectors as record_selectors
from review import selectors as review_selectors
from secondopinion.accounts.models import Role, User
from secondopinion.audit.services import record_event

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
URI_IDENTIFIER = "urn:ietf:rfc:3986"  # an identifier that is itself a URI (here an RFC 6920 ni:)


def identifier_system(name: str) -> str:
    """Our own identifier namespaces, under the service's address."""
    return f"{settings.SITE_URL}/fhir/sid/{name}"


# The case's status as the FHIR request-status value set has it: the request is in force while
# anyone works on it, on hold while it waits for the patient's answer (the service-level clock
# stops then too), completed once the opinion is delivered, revoked when ended early.
REQUEST_STATUS: dict[str, str] = {
    Status.DRAFT: "draft",
    Status.SUBMITTED: "active",
    Status.TRIAGE: "active",
    Status.NEEDS_INFO: "on-hold",
    Status.MATCHING: "active",
    Status.OFFERED: "active",
    Status.IN_REVIEW: "active",
    Status.INFO_REQUESTED: "on-hold",
    Status.OPINION_SUBMITTED: "active",
    Status.DELIVERED: "completed",
    Status.CLOSED: "completed",
    Status.WITHDRAWN: "revoked",
    Status.CANCELLED: "revoked",
}
# Our urgency ("soon": a decision within a month; "urgent": within a week) as request-priority,
# where routine < urgent < asap < stat.
PRIORITY = {"routine": "routine", "soon": "urgent", "urgent": "asap"}
# Cases a specialist has accepted: from then on the specialist is part of the request.
WITH_SPECIALIST = (
    Status.IN_REVIEW,
    Status.INFO_REQUESTED,
    Status.OPINION_SUBMITTED,
    Status.DELIVERED,
    Status.CLOSED,
)
# LOINC document kinds for a record's label (only the labels with an exact LOINC meaning).
RECORD_TYPES = {
    "imaging": ("18748-4", "Diagnostic imaging study"),
    "pathology": ("11526-1", "Pathology study"),
    "lab": ("11502-2", "Laboratory report"),
}
CONSULT_NOTE = ("11488-4", "Consult note")
PATIENT_CONSENT = (
    "59284-0",
    "Consent Document",
)  # LOINC's name; FHIR's value set says "Patient Consent"
EVALUATION_PROCEDURE = ("386053000", "Evaluation procedure")


def pruned(value):
    """`value` without empty strings, None, empty lists or empty objects, at any depth."""
    if isinstance(value, dict):
        kept = {key: pruned(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in ("", None, [], {})}
    if isinstance(value, list):
        items = [pruned(item) for item in value]
        return [item for item in items if item not in ("", None, [], {})]
    if isinstance(value, str):
        return value.strip()
    return value


def _concept(system: str, code_display: tuple[str, str], text: str = "") -> dict:
    code, display = code_display
    return {"coding": [{"system": system, "code": code, "display": display}], "text": text}


def _instant(moment) -> str | None:
    return moment.isoformat() if moment else None


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _sha1_base64(field) -> str | None:
    """Attachment.hash as FHIR R4/R4B define it: the base64 of the file's raw SHA-1 digest."""
    digest = hashlib.sha1()  # noqa: S324 - the digest FHIR specifies, not used for security
    try:
        with field.open("rb") as source:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return base64.b64encode(digest.digest()).decode()


def _sha256_ni(hex_digest: str) -> str:
    """The SHA-256 we keep, as an RFC 6920 "ni" URI (base64url, no padding)."""
    raw = bytes.fromhex(hex_digest)
    return "ni:///sha-256;" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


class _Entries:
    """The bundle's entries, each with a fullUrl derived from the case and the entry's key."""

    def __init__(self, case: Case):
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, identifier_system(f"case/{case.pk}"))
        self.entries: list[dict] = []

    def url(self, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(self.namespace, key)}"

    def ref(self, key: str, display: str = "") -> dict:
        return {"reference": self.url(key), "display": display}

    def add(self, key: str, resource: dict) -> None:
        full_url = self.url(key)
        resource = {"resourceType": resource.pop("resourceType"), "id": full_url[9:], **resource}
        self.entries.append({"fullUrl": full_url, "resource": resource})


def _consent(entries: _Entries, consent: Consent) -> dict:
    signer = consent.signed_by
    if signer.role == Role.CAREGIVER:
        signer_key = f"related-person-{signer.pk}"
        if not any(e["fullUrl"] == entries.url(signer_key) for e in entries.entries):
            entries.add(
                signer_key,
                {
                    "resourceType": "RelatedPerson",
                    "patient": entries.ref("patient"),
                    "name": [{"text": consent.signed_name or signer.full_name}],
                },
            )
        performer = entries.ref(signer_key, consent.signed_name)
    else:
        performer = entries.ref("patient", consent.signed_name)
    version = consent.text.version
    return {
        "resourceType": "Consent",
        "status": "inactive" if consent.withdrawn_at else "active",
        "scope": _concept(
            CONSENT_SCOPE,
            ("patient-privacy", "Privacy Consent"),
            "Sharing the case and its records with an independent specialist",
        ),
        "category": [_concept(LOINC, PATIENT_CONSENT)],
        "patient": entries.ref("patient"),
        "dateTime": _instant(consent.signed_at),
        "performer": [performer],
        "policy": [{"uri": f"{settings.SITE_URL}/fhir/policy/consent-text/{version}"}],
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "title": f"Consent version {version}, signed by {consent.signed_name}",
            "data": _base64(consent.text.body),
            "creation": _instant(consent.signed_at),
        },
    }


def fhir_bundle(
    case: Case, *, records, opinion, zip_paths: Mapping[int, str] | None = None
) -> dict:
    """The case's answers as a FHIR R4B collection Bundle: Patient, Condition, ServiceRequest,
    the signed consents, a DocumentReference per record, the specialist once they accepted and,
    when `opinion` is given, the opinion as a DiagnosticReport. No empty elements anywhere.
    `zip_paths`: each record's file path in the patient's ZIP, by record id."""
    entries = _Entries(case)
    reference = {"system": identifier_system("case-reference"), "value": case.reference}
    patient = entries.ref("patient", case.patient_name)
    entries.add(
        "patient",
        {
            "resourceType": "Patient",
            "identifier": [reference],
            "name": [{"text": case.patient_name}],
            "birthDate": case.patient_date_of_birth.isoformat()
            if case.patient_date_of_birth
            else None,
            "address": [{"state": case.patient_region}],
        },
    )
    if case.diagnosis:
        entries.add(
            "condition",
            {
                "resourceType": "Condition",
                "subject": patient,
                "code": {"text": case.diagnosis},
                "recordedDate": case.diagnosis_date.isoformat() if case.diagnosis_date else None,
                "asserter": {"display": case.treating_doctor},
                "note": [
                    {"text": text}
                    for text in (
                        case.treating_institution and f"Diagnosed at {case.treating_institution}",
                        case.medical_history and f"Medical history: {case.medical_history}",
                        case.medications and f"Medicines: {case.medications}",
                        case.allergies and f"Allergies: {case.allergies}",
                        case.treatment and f"Treatment: {case.treatment}",
                    )
                    if text
                ],
            },
        )
    specialists = {}
    if case.specialist_id and case.status in WITH_SPECIALIST and case.specialist is not None:
        specialists[case.specialist_id] = case.specialist
    if opinion is not None:
        specialists.setdefault(opinion.author_id, opinion.author)
    for specialist in specialists.values():
        entries.add(
            f"practitioner-{specialist.pk}",
            {
                "resourceType": "Practitioner",
                "name": [{"text": specialist.user.full_name}],
            },
        )
    owner = case.owner
    if owner.role == Role.CAREGIVER:
        requester_key = f"related-person-{owner.pk}"
        entries.add(
            requester_key,
            {
                "resourceType": "RelatedPerson",
                "patient": patient,
                "name": [{"text": owner.full_name}],
            },
        )
        requester = entries.ref(requester_key, owner.full_name)
    else:
        requester = patient
    for consent in case.consents.select_related("text", "signed_by"):
        entries.add(f"consent-{consent.pk}", _consent(entries, consent))
    record_keys = []
    for record in records:
        key = f"record-{record.pk}"
        record_keys.append(key)
        label = RECORD_TYPES.get(record.label)
        entries.add(
            key,
            {
                "resourceType": "DocumentReference",
                "identifier": [{"system": URI_IDENTIFIER, "value": _sha256_ni(record.sha256)}],
                "status": "current",
                "type": _concept(LOINC, label, record.get_label_display())
                if label
                else {"text": record.get_label_display()},
                "subject": patient,
                "date": _instant(record.uploaded_at),
                "description": record.note or record.original_name,
                "content": [
                    {
                        "attachment": {
                            "contentType": record.content_type,
                            "title": record.original_name,
                            "size": record.size,
                            "url": (zip_paths or {}).get(record.pk, ""),
                            "hash": _sha1_base64(record.file) if record.is_downloadable else None,
                            "creation": _instant(record.uploaded_at),
                        }
                    }
                ],
            },
        )
    entries.add(
        "service-request",
        {
            "resourceType": "ServiceRequest",
            "identifier": [reference],
            "status": REQUEST_STATUS[case.status],
            "intent": "order",
            "category": [_concept(SNOMED, EVALUATION_PROCEDURE)],
            "priority": PRIORITY.get(case.urgency, "routine"),
            "code": {"text": f"Second opinion: {case.get_review_type_display()}"},
            "orderDetail": [{"text": topic} for topic in case.get_question_topics_display()],
            "subject": patient,
            "authoredOn": _instant(case.submitted_at),
            "requester": requester,
            "performer": [
                entries.ref(
                    f"practitioner-{case.specialist_id}",
                    specialists[case.specialist_id].user.full_name,
                )
            ]
            if case.specialist_id in specialists
            else [],
            "reasonReference": [entries.ref("condition")] if case.diagnosis else [],
            "supportingInfo": [entries.ref(key) for key in record_keys],
            "note": [{"text": case.question}],
        },
    )
    if opinion is not None:
        author = entries.ref(f"practitioner-{opinion.author_id}", opinion.author.user.full_name)
        entries.add(
            "opinion",
            {
                "resourceType": "DiagnosticReport",
                "status": "final",
                "code": _concept(LOINC, CONSULT_NOTE, "Second opinion"),
                "subject": patient,
                "basedOn": [entries.ref("service-request")],
                "issued": _instant(opinion.submitted_at),
                "performer": [author],
                "resultsInterpreter": [author],
                "conclusion": opinion.diagnosis,
                "conclusionCode": [{"text": opinion.get_relation_display()}],
                "presentedForm": [
                    {
                        "contentType": "text/plain; charset=utf-8",
                        "title": title,
                        "data": _base64(text),
                    }
                    for title, text in (
                        ("Summary", opinion.plain_summary),
                        ("Reasoning", opinion.reasoning),
                        ("Recommendations", opinion.recommendations),
                    )
                    if text.strip()
                ],
            },
        )
    return pruned(
        {
            "resourceType": "Bundle",
            "identifier": {"system": URI_IDENTIFIER, "value": f"urn:uuid:{uuid.uuid4()}"},
            "type": "collection",
            "timestamp": _instant(timezone.now()),
            "entry": entries.entries,
        }
    )


def export_fhir(*, case: Case, by: User) -> dict:
    """A coordinator's copy of the case's FHIR export: the same Bundle the patient's ZIP holds
    (the opinion only once delivered), without the ZIP's file paths. Audited as a read."""

    if not permissions.is_coordinator(by):
        raise Case.DoesNotExist
    records = list(record_selectors.records_for_case(case))
    delivered = case.status in (Status.DELIVERED, Status.CLOSED)
    opinion = review_selectors.opinion_for(case) if delivered else None
    bundle = fhir_bundle(case, records=records, opinion=opinion)
    record_event(
        actor=by,
        action="case.fhir_export",
        obj=case,
        case_id=case.pk,
        detail={"records": len(records), "opinion": opinion is not None},
    )
    return bundle
