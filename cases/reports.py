"""The opinion's PDF report, rendered with WeasyPrint and kept, one version per opinion revision."""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from records import selectors as record_selectors
from secondopinion.audit.services import record_event

from .models import FollowUpQuestion, Opinion, Report, Status

logger = logging.getLogger(__name__)


def answered_follow_ups(case) -> list[FollowUpQuestion]:
    """The follow-up questions answered on `case`, in the order they were answered: addenda."""
    return list(
        FollowUpQuestion.objects.filter(case=case, answered_at__isnull=False).order_by(
            "answered_at", "id"
        )
    )


def report_html(opinion: Opinion, *, generated_at, addenda: int = 0) -> str:
    case = opinion.case
    return render_to_string(
        "cases/report.html",
        {
            "case": case,
            "opinion": opinion,
            "specialist": opinion.author,
            "records": record_selectors.records_for_case(case),
            "addenda": answered_follow_ups(case)[:addenda],
            "generated_at": generated_at,
        },
    )


def render_pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def render_report(*, opinion_id: int, revision: int, addenda: int = 0) -> Report | None:
    """Render and store the report for one revision of an opinion with its first `addenda`
    follow-up answers; running twice stores one."""
    opinion = Opinion.objects.select_related("case", "author__user").filter(pk=opinion_id).first()
    if opinion is None or opinion.revision != revision:
        return None  # deleted, or superseded by a newer revision with its own task
    if addenda > len(answered_follow_ups(opinion.case)):
        return None  # not (yet) answered: nothing to render
    existing = Report.objects.filter(
        opinion=opinion, opinion_revision=revision, addenda=addenda
    ).first()
    if existing is not None:
        return existing
    pdf = render_pdf(report_html(opinion, generated_at=timezone.now(), addenda=addenda))
    try:
        with transaction.atomic():
            version = (
                Report.objects.filter(case=opinion.case).aggregate(v=Max("version"))["v"] or 0
            ) + 1
            report = Report(
                case=opinion.case,
                opinion=opinion,
                opinion_revision=revision,
                addenda=addenda,
                version=version,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
            )
            report.file.save("report.pdf", ContentFile(pdf), save=False)
            report.save()
            record_event(actor=None, action="report.generate", obj=report, case_id=opinion.case_id)
    except IntegrityError:
        # Another worker stored this revision first; keep theirs.
        report.file.delete(save=False)
        return Report.objects.get(opinion=opinion, opinion_revision=revision, addenda=addenda)
    logger.info("Report %s rendered for case %s", report.pk, opinion.case_id)
    return report


def opinions_missing_reports() -> list[tuple[int, int, int]]:
    """(opinion id, revision, addenda) of submitted opinions whose current report (with every
    answered follow-up) is missing: the task was lost."""
    answered = (
        FollowUpQuestion.objects.filter(case=OuterRef("case"), answered_at__isnull=False)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rendered = Report.objects.filter(
        opinion=OuterRef("pk"), opinion_revision=OuterRef("revision"), addenda=OuterRef("answered")
    )
    return list(
        Opinion.objects.filter(
            case__status__in=[Status.OPINION_SUBMITTED, Status.DELIVERED, Status.CLOSED],
            revision__gt=0,
        )
        .annotate(answered=Coalesce(Subquery(answered), 0))
        .exclude(Exists(rendered))
        .values_list("pk", "revision", "answered")[:200]
    )
