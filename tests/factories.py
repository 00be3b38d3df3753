"""Test data: users of every role, and cases walked to any state through the real services."""

import hashlib
from datetime import date, timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseFor,
    ConsentText,
    ConsentTranslation,
    Price,
    ProxyAuthority,
    Status,
)
from cases.seed import seed_consent_and_prices, seed_consent_translations
from records import provider_requests
from records import services as record_services
from records.models import RecordFile
from review import services as review_services
from review.models import Opinion, Report
from secondopinion.accounts.models import Role, User
from specialists import offers
from specialists import seed as specialty_list
from specialists.models import (
    BoardCertification,
    Licence,
    Specialist,
    SpecialistLanguage,
    Specialty,
)

PASSWORD = "a-long-test-password"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        if user.needs_mfa and extracted is not False:
            TOTP.activate(user, TOTP_SECRET)


class SpecialistFactory(factory.django.DjangoModelFactory):
    """A verified specialist who can be matched with the factories' cases: a verified licence
    for their region, English reports, room for cases. `specialty="Cardiology"` picks another
    specialty from the seeded list; `licence=None` leaves the licence out."""

    class Meta:
        model = Specialist
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.SPECIALIST)
    institution = "Example University Hospital"
    bio = "Consultant with twenty years of practice."
    max_open_cases = 10
    licence = factory.RelatedFactory(
        "tests.factories.LicenceFactory", factory_related_name="specialist"
    )
    language = factory.RelatedFactory(
        "tests.factories.SpecialistLanguageFactory", factory_related_name="specialist"
    )

    @factory.post_generation
    def specialty(specialist, create, extracted, **kwargs):
        seed_specialties()
        specialist.specialties.add(Specialty.objects.get(name=extracted or "Medical oncology"))

    @factory.post_generation
    def certification(specialist, create, extracted, **kwargs):
        if extracted is not False:
            BoardCertification.objects.create(
                specialist=specialist, name="Medical oncology", board="Example Board", year=2010
            )


def seed_specialties() -> None:
    """The controlled list of specialties, as the data migration seeds it: a transactional test
    (a browser test, say) empties every table when it ends, the seeded ones too."""
    if not Specialty.objects.exists():
        specialty_list.seed_specialties(Specialty)


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence

    jurisdiction = factory.LazyFunction(lambda: INTAKE_ANSWERS["patient_region"])
    number = factory.Sequence(lambda n: f"GMC{7_000_000 + n}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=730))
    verified_at = factory.LazyFunction(timezone.now)


class SpecialistLanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialistLanguage

    language = "en"


def pdf_upload(name: str = "pathology-report.pdf", content: bytes = MINIMAL_PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# The order in which a case passes through the states, with the step that reaches each.
HAPPY_PATH = [
    Status.SUBMITTED,
    Status.TRIAGE,
    Status.MATCHING,
    Status.OFFERED,
    Status.IN_REVIEW,
    Status.OPINION_SUBMITTED,
    Status.DELIVERED,
]


def proxy_authority(caregiver: User, patient_email: str) -> ProxyAuthority:
    """`caregiver`'s recorded authority to act for the patient with `patient_email`."""
    return services.record_proxy_authority(
        by=caregiver,
        patient_email=patient_email,
        basis=ProxyAuthority.Basis.PARENT,
        document=pdf_upload("birth-certificate.pdf", MINIMAL_PDF + b"% birth certificate\n"),
    )


# Every answer of the intake, as a patient would give them.
INTAKE_ANSWERS = {
    "patient_name": "Alice Patient",
    "patient_date_of_birth": date(1970, 5, 17),
    "patient_region": "GB-ENG",
    "title": "Biopsy result",
    "diagnosis": "Stage II ductal carcinoma, diagnosed March 2026",
    "treating_doctor": "Dr Ada Brown",
    "treating_institution": "City Hospital",
    "treatment": "Chemotherapy first, then surgery",
    "question": "Is surgery needed before chemotherapy?",
    "question_topics": ["surgery", "treatment_options"],
    "medical_history": "",
    "medications": "None",
    "allergies": "Penicillin",
    "report_language": "en",
    "urgency": "soon",
    "excluded_doctors": "",
    "review_type": "standard",
    "coverage": "self_pay",
}


def complete_draft(
    owner: User, *, authority: ProxyAuthority | None = None, consent: bool = True, **answers
) -> Case:
    """A draft with every answer, a record and (unless `consent=False`) a signed consent."""
    seed_consent_and_prices(ConsentText, Price)  # gone when a transactional test emptied the db
    seed_consent_translations(ConsentText, ConsentTranslation)
    case = services.create_case(
        by=owner,
        case_for=CaseFor.SOMEONE_ELSE if authority else CaseFor.SELF,
        authority=authority,
    )
    diagnosed = timezone.localdate() - timedelta(days=60)
    services.update_case(
        case=case, by=owner, **{**INTAKE_ANSWERS, "diagnosis_date": diagnosed, **answers}
    )
    record_services.add_record(case=case, by=owner, upload=pdf_upload())
    if consent:
        services.sign_consent(case=case, by=owner, signed_name=owner.full_name or "A Patient")
    return Case.objects.get(pk=case.pk)


def case_in_state(
    status: str,
    *,
    owner: User,
    specialist: Specialist,
    coordinator: User,
    authority: ProxyAuthority | None = None,
) -> Case:
    """A complete case owned by `owner` (acting under `authority` when given), walked through
    the real services up to `status`."""
    case = complete_draft(owner, authority=authority)
    steps = {
        Status.SUBMITTED: lambda: services.submit_case(case=case, by=owner),
        Status.TRIAGE: lambda: services.start_triage(case=case, by=coordinator),
        Status.MATCHING: lambda: services.send_to_matching(case=case, by=coordinator),
        Status.OFFERED: lambda: offers.offer_case(case=case, specialist=specialist, by=coordinator),
        Status.IN_REVIEW: lambda: offers.accept_offer(
            case=case, by=specialist.user, attested_no_conflict=True
        ),
        Status.OPINION_SUBMITTED: lambda: _write_and_submit_opinion(case, specialist),
        Status.DELIVERED: lambda: review_services.deliver_opinion(case=case, by=coordinator),
    }
    # The side states: walk to the state they branch from, then ask the patient a question.
    detours = {
        Status.NEEDS_INFO: (Status.TRIAGE, coordinator),
        Status.INFO_REQUESTED: (Status.IN_REVIEW, specialist.user),
    }
    target = detours[status][0] if status in detours else status
    if target != Status.DRAFT:
        for step in HAPPY_PATH[: HAPPY_PATH.index(target) + 1]:
            steps[step]()
    if status in detours:
        review_services.request_information(
            case=case, by=detours[status][1], question="When was your last blood test?"
        )
    return Case.objects.get(pk=case.pk)


OPINION = {
    "relation": Opinion.Relation.CHANGE,
    "diagnosis": "Ductal carcinoma in situ, not invasive",
    "reasoning": "The margins on slide 4 show no invasion.",
    "recommendations": "Breast-conserving surgery; chemotherapy is not indicated.",
    "plain_summary": "The cancer has not spread into nearby tissue. Surgery alone is likely enough.",
    "treatment_supported": "partly",
    "helpful_tests": "A repeat mammogram in six months.",
    "urgency": "soon",
    "attested": True,
}


def _write_and_submit_opinion(case: Case, specialist: Specialist) -> None:
    case.refresh_from_db()
    review_services.save_opinion_draft(case=case, by=specialist.user, **OPINION)
    review_services.submit_opinion(case=case, by=specialist.user)
    # The worker's PDF is tested on its own; here a stored stand-in lets delivery proceed.
    opinion = Opinion.objects.get(case=case)
    report = Report(
        case=case,
        opinion=opinion,
        opinion_revision=opinion.revision,
        version=1,
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        size=len(MINIMAL_PDF),
    )
    report.file.save("report.pdf", ContentFile(MINIMAL_PDF), save=True)


def entered_days_ago(case: Case, status: str, days: int) -> Case:
    """Move the case's entry into `status` `days` back in time, and its stored step due date with
    it (as the transition would have stored it then)."""
    from datetime import timedelta

    from cases.models import CaseEvent
    from cases.service_levels import step_due_on

    CaseEvent.objects.filter(case=case, to_status=status).update(
        at=timezone.now() - timedelta(days=days)
    )
    case.step_due_on = step_due_on(case, case.events.all())
    case.save(update_fields=["step_due_on"])
    return case


def records_request(case: Case):
    """The case owner's request to Dr Ada Brown at City Hospital for a knee MRI."""

    return provider_requests.create_records_request(
        case=case,
        by=case.owner,
        provider_name="Dr Ada Brown",
        provider_organisation="City Hospital",
        provider_email="records@city-hospital.example",
        records_wanted="Knee MRI",
    )


def provider_token(request) -> str:
    """The token in the link emailed to the provider of records request `request`."""

    return provider_requests.provider_link(request).rstrip("/").rsplit("/", 1)[-1]


# What a referrer sends through a referral source's link (tests of referrals, links, limits, logs).
REFERRAL = {
    "referrer_name": "Dr Ada Brown",
    "referrer_email": "ada.brown@hillside.example",
    "patient_name": "Eve Referred",
    "patient_email": "eve@example.org",
    "diagnosis": "Stage II ductal carcinoma",
    "treating_doctor": "Dr Ada Brown",
    "treating_institution": "Hillside Clinic",
    "question": "Is surgery needed before chemotherapy?",
}


def record_rows(case, by, count: int) -> None:
    """`count` PDF records on `case` as rows only (no file stored): letter-000.pdf, letter-001.pdf,
    ... in upload order, for pages that list many records."""
    RecordFile.objects.bulk_create(
        RecordFile(
            case=case,
            file=f"bench/{case.pk}/{n}.pdf",
            original_name=f"letter-{n:03d}.pdf",
            content_type="application/pdf",
            size=1000,
            sha256=f"{case.pk:032d}{n:032d}",
            uploaded_by=by,
        )
        for n in range(count)
    )
