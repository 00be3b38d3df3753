"""Everything that changes the review: the specialist's opinion (drafts, submission), the quality
check (return or deliver), the questions asked of the patient and their answers, follow-up
questions after delivery, and single-use links to share the report. Each moves the case, where it
must, through the case state machine."""

from collections.abc import Iterable
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.core.files import File
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cases import permissions, state_machine
from cases.models import Case, Status
from records import services as record_services
from records.models import RecordFile
from secondopinion import links
from secondopinion.accounts.models import User
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import lazy_text, notify
from secondopinion.words import Words

from . import selectors, specialty_fields, tasks, translations
from .models import (
    FollowUpQuestion,
    InformationRequest,
    Opinion,
    Report,
    ReportShare,
    doctor_question_lines,
)


def open_report(*, case: Case, version: int, by: User) -> Report:
    """A report of the case for download (else Report.DoesNotExist, a 404), audited."""
    if not permissions.can_read_opinion(by, case):
        raise Report.DoesNotExist
    report = selectors.reports_visible_to(by, case).get(version=version)
    state_machine.audit(case, by, "report.download", report)
    return report


@transaction.atomic
def return_opinion(*, case: Case, by: User, comments: str) -> Case:
    case = state_machine.transition(case, "return_opinion", by=by, note=comments)
    opinion = Opinion.objects.select_for_update().get(case=case)
    opinion.quality_comments = comments
    opinion.save(update_fields=["quality_comments", "updated_at"])
    state_machine.notify_specialist(
        case,
        opinion.author.user,
        lazy_text(_("Your opinion on case %(reference)s was returned."), reference=case.reference),
    )
    return case


@transaction.atomic
def deliver_opinion(*, case: Case, by: User) -> Case:
    case = state_machine.transition(case, "deliver_opinion", by=by)
    if selectors.latest_report_for(case) is None:  # raising here rolls the transition back
        raise ApplicationError(
            gettext(
                "The PDF report for this opinion is still being prepared. Try again in a moment."
            )
        )
    translations.check_delivery(case)  # a waived report language needs an attested translation
    state_machine.notify_patient(
        case,
        lazy_text(
            _("The specialist's opinion on your case %(reference)s is ready."),
            reference=case.reference,
        ),
    )
    return case


@transaction.atomic
def save_opinion_draft(
    *, case: Case, by: User, specialty_answers: dict[int, object] | None = None, **answers
) -> Opinion:
    """Save the opinion's answers (and, with `specialty_answers`, field id -> answer, those of
    the case's specialty template) as they stand; submission checks that it is complete."""
    if not permissions.can_write_opinion(by, case):
        raise ApplicationError(
            gettext("You can only write an opinion on a case you are reviewing.")
        )
    unknown = set(answers) - set(Opinion.ANSWER_FIELDS)
    if unknown:
        raise ValueError(f"Not opinion fields: {sorted(unknown)}")
    questions = doctor_question_lines(answers.get("doctor_questions", ""))
    if len(questions) > Opinion.MAX_DOCTOR_QUESTIONS:
        raise ApplicationError(
            gettext(
                "Write at most %(max)d questions for the patient's doctor, "
                "one a line (there are %(count)d)."
            )
            % {"max": Opinion.MAX_DOCTOR_QUESTIONS, "count": len(questions)},
            field="doctor_questions",
        )
    assert case.specialist is not None, "only the assigned specialist may write the opinion"
    stored_specialty_answers = None
    if specialty_answers is not None:
        fields = specialty_fields.fields_for_case(case)
        stored_specialty_answers = specialty_fields.checked_answers(fields, specialty_answers)
    opinion, _ = Opinion.objects.select_for_update().get_or_create(
        case=case, defaults={"author": case.specialist}
    )
    for field, value in answers.items():
        setattr(opinion, field, value)
    if stored_specialty_answers is not None:
        opinion.specialty_answers = stored_specialty_answers
    opinion.save()
    record_event(actor=by, action="opinion.save_draft", obj=opinion, case_id=case.pk)
    return opinion


@transaction.atomic
def submit_opinion(*, case: Case, by: User) -> Opinion:
    opinion = Opinion.objects.select_for_update().filter(case=case).first()
    if opinion is None:
        raise ApplicationError(gettext("Write your opinion before you submit it."))
    missing = [
        str(cast(models.Field, Opinion._meta.get_field(name)).verbose_name)
        for name in Opinion.REQUIRED_FIELDS_FOR_SUBMISSION
        if not getattr(opinion, name).strip()
    ]
    missing += specialty_fields.missing_required(opinion, specialty_fields.fields_for_case(case))
    if missing:
        raise ApplicationError(
            gettext("Complete these parts before you submit: %(parts)s.")
            % {"parts": "; ".join(missing)}
        )
    if not opinion.attested:
        raise ApplicationError(
            gettext("Confirm the attestation before you submit your opinion."), field="attested"
        )
    case = state_machine.transition(case, "submit_opinion", by=by)
    opinion.revision += 1
    opinion.submitted_at = timezone.now()
    opinion.save(update_fields=["revision", "submitted_at", "updated_at"])
    opinion_id, revision = opinion.pk, opinion.revision
    transaction.on_commit(lambda: tasks.render_report.delay(opinion_id, revision), robust=True)
    return opinion


@transaction.atomic
def request_information(
    *, case: Case, by: User, question: str, requested_record_kind: str = ""
) -> InformationRequest:
    """The specialist (reviewing) or a coordinator (in triage) asks the patient's side a question,
    or for a record. The case waits on the patient (the review's clock pauses) until answered."""
    question = question.strip()
    if not question:
        raise ApplicationError(gettext("Write your question for the patient."), field="question")
    if requested_record_kind and requested_record_kind not in RecordFile.Label.values:
        raise ApplicationError(
            gettext("Choose the kind of record from the list."), field="requested_record_kind"
        )
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    name = _ASK_TRANSITION.get(locked.status, "request_information")
    case = state_machine.transition(locked, name, by=by)
    information_request = InformationRequest.objects.create(
        case=case, asked_by=by, question=question, requested_record_kind=requested_record_kind
    )
    state_machine.audit(case, by, "information_request.create", information_request)
    if name == "request_information":
        text = _("The specialist has a question about your case %(reference)s.")
    else:
        text = _("A coordinator has a question about your case %(reference)s.")
    state_machine.notify_patient(case, lazy_text(text, reference=case.reference))
    return information_request


@transaction.atomic
def answer_information_request(
    *, case: Case, by: User, answer: str = "", files: Iterable[File] = ()
) -> InformationRequest:
    """The patient's side answers the open question with text and/or records; the case goes back
    to whoever asked. A file that is refused refuses the whole answer, saying which and why."""
    answer, files = answer.strip(), list(files)
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    name = _ANSWER_TRANSITION.get(locked.status, "answer_information_request")
    case = state_machine.transition(locked, name, by=by)  # raising below rolls the transition back
    information_request = selectors.open_information_request(case)
    if information_request is None:
        raise ApplicationError(gettext("There is no open question on this case."))
    if not answer and not files:
        raise ApplicationError(gettext("Write an answer or add a file."), field="answer")
    for upload in files:
        record = record_services.add_record(case=case, by=by, upload=upload)
        if information_request.requested_record_kind:
            record_services.describe_record(
                record=record, by=by, label=information_request.requested_record_kind, note=""
            )
    information_request.answer = answer
    information_request.answered_by = by
    information_request.answered_at = timezone.now()
    information_request.save(update_fields=["answer", "answered_by", "answered_at"])
    state_machine.audit(
        case, by, "information_request.answer", information_request, files=len(files)
    )
    notify(
        user=information_request.asked_by,
        message=lazy_text(
            _("The patient answered your question on case %(reference)s."),
            reference=case.reference,
        ),
        link=reverse("cases:case-detail", args=[case.reference]),
    )
    return information_request


@transaction.atomic
def ask_follow_up(*, case: Case, by: User, question: str) -> FollowUpQuestion:
    """The patient's side asks the specialist a follow-up question about a delivered opinion:
    up to FOLLOW_UP_MAX_QUESTIONS, within FOLLOW_UP_DAYS of delivery."""
    case = Case.objects.select_for_update(of=("self",)).select_related("specialist").get(pk=case.pk)
    if not permissions.is_owner(by, case):
        raise ApplicationError(gettext("You don't have permission to do that on this case."))
    if case.status != Status.DELIVERED:
        raise ApplicationError(
            gettext(
                "Follow-up questions can be asked only once the opinion is delivered, until the case "
                "closes."
            )
        )
    deadline = selectors.follow_up_deadline(case)
    if deadline is not None and timezone.now() > deadline:
        raise ApplicationError(
            gettext("Follow-up questions could be asked until %(date)s; that time has passed.")
            % {"date": date_format(timezone.localtime(deadline), gettext("j F Y"))}
        )
    if selectors.follow_ups_left(case) == 0:
        raise ApplicationError(
            gettext(
                "You have asked the %(max)d follow-up questions your "
                "opinion includes. Write to the coordinator if you need more help."
            )
            % {"max": settings.FOLLOW_UP_MAX_QUESTIONS}
        )
    question = question.strip()
    if not question:
        raise ApplicationError(gettext("Write your question."), field="question")
    follow_up = FollowUpQuestion.objects.create(case=case, asked_by=by, question=question)
    state_machine.audit(case, by, "follow_up.ask", follow_up)
    assert case.specialist is not None, "a delivered case has its specialist"
    notify(
        user=case.specialist.user,
        message=lazy_text(
            _("The patient asked a follow-up question on case %(reference)s."),
            reference=case.reference,
        ),
        link=reverse("cases:case-detail", args=[case.reference]),
    )
    return follow_up


@transaction.atomic
def answer_follow_up(*, follow_up: FollowUpQuestion, by: User, answer: str) -> FollowUpQuestion:
    """The specialist answers a follow-up question: an addendum to the delivered opinion (which
    is never edited otherwise), and a new version of the PDF report."""
    follow_up = FollowUpQuestion.objects.select_for_update().get(pk=follow_up.pk)
    case = Case.objects.select_related("specialist").get(pk=follow_up.case_id)
    if not permissions.is_assigned_specialist(by, case):
        raise ApplicationError(gettext("Only the specialist who wrote the opinion can answer."))
    if not follow_up.is_open:
        raise ApplicationError(gettext("This question is already answered."))
    answer = answer.strip()
    if not answer:
        raise ApplicationError(gettext("Write your answer."), field="answer")
    follow_up.answer = answer
    follow_up.answered_by = by
    follow_up.answered_at = timezone.now()
    follow_up.save(update_fields=["answer", "answered_by", "answered_at"])
    state_machine.audit(case, by, "follow_up.answer", follow_up)
    state_machine.notify_patient(
        case,
        lazy_text(
            _("The specialist answered your follow-up question on %(reference)s."),
            reference=case.reference,
        ),
    )
    opinion = Opinion.objects.get(case=case)
    addenda = FollowUpQuestion.objects.filter(case=case, answered_at__isnull=False).count()
    opinion_id, revision = opinion.pk, opinion.revision
    transaction.on_commit(
        lambda: tasks.render_report.delay(opinion_id, revision, addenda), robust=True
    )
    return follow_up


def close_cases_after_follow_up_window() -> list[Case]:
    """Close each delivered case whose follow-up window has ended and whose follow-up questions
    are all answered (the beat task's service)."""
    closed = []
    for case in selectors.delivered_cases_to_close(timezone.now()):
        with transaction.atomic():
            closed.append(
                state_machine.transition(
                    case,
                    "close",
                    by=None,
                    words=Words(gettext_noop("The follow-up window ended")),
                )
            )
            state_machine.notify_patient(
                case,
                lazy_text(_("Your case %(reference)s is now closed."), reference=case.reference),
            )
    return closed


class ShareLinkNotFound(ApplicationError):
    """No share has this token (as against one used up or expired)."""

    def __init__(self):
        super().__init__(gettext("This link is not valid. Ask the patient for a new one."))


class ShareLinkUsed(ApplicationError):
    def __init__(self):
        super().__init__(
            gettext(
                "This link has been used already: it works once. Ask the patient for a new one."
            )
        )


class ShareLinkExpired(ApplicationError):
    def __init__(self):
        super().__init__(gettext("This link has expired. Ask the patient for a new one."))


# The salt referrers' report links were first made with; a patient's shares made before it have
# a random token, found by the same hash.
REPORT_SHARE_LINK = links.LinkKind(
    salt="cases.referrals.report",
    not_found=ShareLinkNotFound,
    used_field="used_at",
    expires_field="expires_at",
    errors={"used": ShareLinkUsed, "expired": ShareLinkExpired},
)


@transaction.atomic
def share_report(*, case: Case, by: User, **audit_detail) -> tuple[ReportShare, str]:
    """A single-use link, valid REPORT_SHARE_DAYS, for the patient's own doctor (or, through
    referrals, the referrer) to download the current report. Returns the share and the token
    (only its hash and nonce are stored; the patient sees the link once, an email rebuilds it)."""
    if not permissions.can_share_report(by, case):
        raise ApplicationError(
            gettext("You can share the report once the opinion is delivered to you.")
        )
    if not selectors.delivered_reports_for(case).exists():
        raise ApplicationError(
            gettext("The PDF report is still being prepared. Try again in a moment.")
        )
    nonce, token_hash = REPORT_SHARE_LINK.new()
    share = ReportShare.objects.create(
        case=case,
        created_by=by,
        nonce=nonce,
        token_hash=token_hash,
        expires_at=timezone.now() + timedelta(days=settings.REPORT_SHARE_DAYS),
    )
    state_machine.audit(case, by, "report.share", share, **audit_detail)
    return share, REPORT_SHARE_LINK.token(nonce)


def report_share_path(share: ReportShare) -> str:
    """The path of a share's link, rebuilt from its nonce (for the email to a referrer)."""
    return reverse("review:report-share", args=[REPORT_SHARE_LINK.token(share.nonce)])


def shared_report(*, token: str) -> ReportShare:
    """The share a link names, if it can still be used (else ApplicationError saying why)."""
    share = REPORT_SHARE_LINK.find(ReportShare.objects.all(), token)
    if not permissions.can_open_shared_report(share.case):
        raise ApplicationError(
            gettext("This report is no longer shared. Ask the patient about it.")
        )
    return share


@transaction.atomic
def open_shared_report(*, token: str) -> Report:
    """Use a share link: the current report, once; audited."""
    share = shared_report(token=token)
    share = ReportShare.objects.select_for_update().get(pk=share.pk)
    if share.used_at is not None:  # two clicks at once: the second loses
        raise ApplicationError(gettext("This link has been used already: it works once."))
    report = selectors.delivered_reports_for(share.case).first()  # the current delivered one
    if report is None:
        raise ApplicationError(
            gettext("The report is not available. Ask the patient for a new link.")
        )
    share.used_at = timezone.now()
    share.report = report
    share.save(update_fields=["used_at", "report"])
    record_event(
        actor=None,
        action="report.share_download",
        obj=report,
        case_id=share.case_id,
        detail={"share": share.pk},
    )
    return report


# Who asks, in which state, by which transition; and the transition that answers it.
_ASK_TRANSITION: dict[str, str] = {
    Status.IN_REVIEW: "request_information",
    Status.TRIAGE: "request_patient_information",
}


_ANSWER_TRANSITION: dict[str, str] = {
    Status.INFO_REQUESTED: "answer_information_request",
    Status.NEEDS_INFO: "provide_information",
}
