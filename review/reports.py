"""The opinion's PDF report, rendered with WeasyPrint and kept, one version per opinion revision."""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override as translation_override
from weasyprint import HTML

from cases.models import Status
from records import selectors as record_selectors
from secondopinion.audit.services import record_event
from secondopinion.languages import supported_language

from . import translations
from .models import FollowUpQuestion, Opinion, OpinionTranslation, Report

logger = logging.getLogger(__name__)


def answered_follow_ups(case) -> list[FollowUpQuestion]:
    """The follow-up questions answered on `case`, in the order they were answered: addenda."""
    return list(
        FollowUpQuestion.objects.filter(case=case, answered_at__isnull=False).order_by(
            "answered_at", "id"
        )
    )


def report_html(
    opinion: Opinion, *, generated_at, version: int, addenda: int = 0, translation=None
) -> str:
    """The report's HTML: the patient's name, date of birth and the case reference on the cover
    and in every page's header, labelled with the version the download is named by. Written in
    the case's report language (English when the service does not speak it); with `translation`
    (an OpinionTranslation), the opinion as the specialist wrote it and its translation, each
    labelled."""
    case = opinion.case
    language = report_language(case)
    with translation_override(language):
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
                "lang": "en" if language == settings.LANGUAGE_CODE else language,
                "translation": translation,
                "source_language": translations.language_name(translation.source_language)
                if translation
                else "",
                "target_language": translations.language_name(translation.language)
                if translation
                else "",
            },
        )


def report_language(case) -> str:
    """The language the report is written in: the case's report language when the service
    speaks it (settings.LANGUAGES), else the default (English)."""
    return supported_language(case.report_language) or settings.LANGUAGE_CODE


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
    # The attested translation of this revision, when the report language was waived.
    translation = translations.translation_in_force(opinion)
    this_report = Report.objects.filter(
        opinion=opinion, opinion_revision=revision, addenda=addenda, translation=translation
    )
    existing = this_report.first()
    if existing is not None:
        return existing
    for _attempt in range(3):
        version = _next_version(opinion.case_id)
        pdf = render_pdf(
            report_html(
                opinion,
                generated_at=timezone.now(),
                version=version,
                addenda=addenda,
                translation=translation,
            )
        )
        report = Report(
            case=opinion.case,
            opinion=opinion,
            opinion_revision=revision,
            addenda=addenda,
            translation=translation,
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
            stored = this_report.first()
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
        .annotate(n=Count("*"))
        .values("n")
    )
    in_force = OpinionTranslation.objects.filter(
        opinion=OuterRef("pk"), opinion_revision=OuterRef("revision")
    ).values("pk")[:1]
    rendered = Report.objects.filter(
        opinion=OuterRef("pk"), opinion_revision=OuterRef("revision"), addenda=OuterRef("answered")
    )
    return list(
        Opinion.objects.filter(
            case__status__in=[Status.OPINION_SUBMITTED, Status.DELIVERED, Status.CLOSED],
            revision__gt=0,
        )
        .annotate(answered=Coalesce(Subquery(answered), 0), in_force=Subquery(in_force))
        # The report must hold the translation in force, if the opinion has one.
        .exclude(
            Exists(rendered.filter(translation=OuterRef("in_force")))
            | Q(in_force__isnull=True) & Exists(rendered.filter(translation__isnull=True))
        )
        .values_list("pk", "revision", "answered")[:200]
    )
