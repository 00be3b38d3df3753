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

from cases.models import Status
from records import selectors as record_selectors
from secondopinion.audit.services import record_event

from .models import FollowUpQuestion, Opinion, Report

logger = logging.getLogger(__name__)


def answered_follow_ups(case) -> list[FollowUpQuestion]:
    """The follow-up questions answered on `case`, in the order they were answered: addenda."""
    return list(
        FollowUpQuestion.objects.filter(case=case, answered_at__isnull=False).order_by(
            "answered_at", "id"
        )
    )


def report_html(opinion: Opinion, *, generated_at, version: int, addenda: int = 0) -> str:
    """The report's HTML: the patient's name, date of birth and the case reference on the cover
    and in every page's header, labelled with the version the download is named by."""
    case = opinion.case
    return render_to_string(
        "review/report.html",
        {
            "case": case,
            "version": version,
            "opinion": opinion,
            "specialist": opinion.author,
            "records": record_selectors.records_for_case(case),
            "addenda": answered_follow_ups(case)[:addenda],
            "generated_at": generated_at,
        },
    )


def render_pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def _next_version(case_id: int) -> int:
    return (Report.objects.filter(case_id=case_id).aggregate(v=Max("version"))["v"] or 0) + 1


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
    for _attempt in range(3):
        version = _next_version(opinion.case_id)
        pdf = render_pdf(
            report_html(opinion, generated_at=timezone.now(), version=version, addenda=addenda)
        )
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
        try:
            with transaction.atomic():
                report.save()
                record_event(
                    actor=None, action="report.generate", obj=report, case_id=opinion.case_id
                )
            break
        except IntegrityError:
            report.file.delete(save=False)
            stored = Report.objects.filter(
                opinion=opinion, opinion_revision=revision, addenda=addenda
            ).first()
            if stored is not None:  # another worker stored this revision first; keep theirs
                return stored
            # Another report of this case took the version while we rendered: render again, as
            # the version printed in the PDF must be the one it is stored and downloaded as.
    else:
        return None  # the beat task (render_missing_reports) tries again later
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
