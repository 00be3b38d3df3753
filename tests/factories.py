"""Test data: users of every role, and cases walked to any state through the real services."""

import hashlib

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import Case, Opinion, Report, Status
from secondopinion.accounts.models import Role, User
from specialists.models import Specialist

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
    class Meta:
        model = Specialist

    user = factory.SubFactory(UserFactory, role=Role.SPECIALIST)
    specialty = "Medical oncology"
    credentials = "Board certified in medical oncology"
    institution = "Example University Hospital"
    is_verified = True


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


def case_in_state(status: str, *, owner: User, specialist: Specialist, coordinator: User) -> Case:
    """A case owned by `owner`, walked through the real services up to `status`."""
    case = services.create_case(
        by=owner,
        title="Biopsy result",
        diagnosis="Stage II ductal carcinoma, diagnosed March 2026",
        treating_doctor="Dr Ada Brown, City Hospital",
        question="Is surgery needed before chemotherapy?",
        record=pdf_upload(),
    )
    steps = {
        Status.SUBMITTED: lambda: services.submit_case(case=case, by=owner),
        Status.TRIAGE: lambda: services.start_triage(case=case, by=coordinator),
        Status.MATCHING: lambda: services.send_to_matching(case=case, by=coordinator),
        Status.OFFERED: lambda: services.offer_case(
            case=case, specialist=specialist, by=coordinator
        ),
        Status.IN_REVIEW: lambda: services.accept_offer(case=case, by=specialist.user),
        Status.OPINION_SUBMITTED: lambda: _write_and_submit_opinion(case, specialist),
        Status.DELIVERED: lambda: services.deliver_opinion(case=case, by=coordinator),
    }
    if status != Status.DRAFT:
        for step in HAPPY_PATH[: HAPPY_PATH.index(status) + 1]:
            steps[step]()
    return Case.objects.get(pk=case.pk)


OPINION = {
    "relation": Opinion.Relation.CHANGE,
    "diagnosis": "Ductal carcinoma in situ, not invasive",
    "reasoning": "The margins on slide 4 show no invasion.",
    "recommendations": "Breast-conserving surgery; chemotherapy is not indicated.",
    "plain_summary": "The cancer has not spread into nearby tissue. Surgery alone is likely enough.",
    "attested": True,
}


def _write_and_submit_opinion(case: Case, specialist: Specialist) -> None:
    case.refresh_from_db()
    services.save_opinion_draft(case=case, by=specialist.user, **OPINION)
    services.submit_opinion(case=case, by=specialist.user)
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
