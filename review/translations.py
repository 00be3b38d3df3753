"""The translation step: when a coordinator waived the report language so that a specialist who
does not write it could review the case, the opinion is delivered only with a translation into
the report language, entered and attested by the person who translated it (a coordinator). The
PDF then holds both texts, each labelled. Revising the opinion leaves the translation needing a
new attestation (a translation belongs to one revision)."""

from typing import cast

from django.db import transaction
from django.db.models import Exists, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from cases import permissions, state_machine
from cases.models import Case, Status
from secondopinion.accounts.models import User
from secondopinion.errors import ApplicationError
from specialists import selectors as specialist_selectors
from specialists.models import LANGUAGE_NAMES

from . import tasks
from .models import FollowUpQuestion, Opinion, OpinionTranslation, Report

DELIVERED_STATES = (Status.DELIVERED, Status.CLOSED)
# The parts of the opinion a translation must have whenever the opinion has them.
REQUIRED_FIELDS = ("diagnosis", "reasoning", "recommendations", "plain_summary")


def needs_translation(case: Case) -> bool:
    """Whether the case's opinion must be delivered with an attested translation: its report
    language was waived and the specialist reviewing it does not write that language."""
    if not case.report_language or case.specialist_id is None:
        return False
    waiver = specialist_selectors.language_waiver_for(case.pk)
    if waiver is None:
        return False
    return not specialist_selectors.writes_language(case.specialist, case.report_language)


def translation_in_force(opinion: Opinion | None) -> OpinionTranslation | None:
    """The newest attested translation of the opinion's current revision, if any."""
    if opinion is None or not opinion.revision:
        return None
    return (
        OpinionTranslation.objects.filter(opinion=opinion, opinion_revision=opinion.revision)
        .select_related("translator")
        .first()
    )


def in_force_filter(opinion: Opinion) -> Q:
    """Reports (as a filter) that hold the translation in force, or none when the opinion has
    no translation: the versions the patient may see. Read in the report query itself."""
    newest = OpinionTranslation.objects.filter(
        opinion=opinion, opinion_revision=opinion.revision
    ).values("pk")[:1]
    return cast(Q, Q(translation=Subquery(newest)) | Q(translation__isnull=True) & ~Exists(newest))


def latest_translation(opinion: Opinion | None) -> OpinionTranslation | None:
    """The newest translation of any revision (to start from when the opinion was revised)."""
    if opinion is None:
        return None
    return OpinionTranslation.objects.filter(opinion=opinion).select_related("translator").first()


def case_page_step(user, case: Case, opinion: Opinion | None) -> dict | None:
    """The translation step on the case page, for someone who may read the opinion: whether it
    is attested, and whether `user` may enter it now. None when the case needs no translation
    (read with the case page's `has_language_waiver`, so most cases cost no query). Before
    delivery only coordinators see it; after, everyone who reads the opinion."""
    if opinion is None or not opinion.revision or not case.report_language:
        return None
    if not permissions.is_coordinator(user) and case.status not in DELIVERED_STATES:
        return None
    if getattr(case, "has_language_waiver", None) is False or not needs_translation(case):
        return None
    translation = translation_in_force(opinion)
    return {
        "translation": translation,
        "show_text": translation is not None,
        "language": language_name(case.report_language),
        "can_enter": permissions.is_coordinator(user) and case.status == Status.OPINION_SUBMITTED,
    }


def language_name(code: str) -> str:
    """A language's name as written inside a sentence in the active language ("from English",
    "del inglés"), for the attestation and the PDF's labels."""
    name = _NAMES_IN_A_SENTENCE.get(code)
    return str(name if name is not None else LANGUAGE_NAMES.get(code, code))


# The report languages (specialists.models.LANGUAGES, in its order), each as named inside a
# sentence.
_NAMES_IN_A_SENTENCE = {
    "en": pgettext_lazy("language name inside a sentence", "English"),
    "es": pgettext_lazy("language name inside a sentence", "Spanish"),
    "fr": pgettext_lazy("language name inside a sentence", "French"),
    "de": pgettext_lazy("language name inside a sentence", "German"),
    "pt": pgettext_lazy("language name inside a sentence", "Portuguese"),
    "it": pgettext_lazy("language name inside a sentence", "Italian"),
    "nl": pgettext_lazy("language name inside a sentence", "Dutch"),
    "pl": pgettext_lazy("language name inside a sentence", "Polish"),
    "zh": pgettext_lazy("language name inside a sentence", "Chinese"),
    "ar": pgettext_lazy("language name inside a sentence", "Arabic"),
    "hi": pgettext_lazy("language name inside a sentence", "Hindi"),
    "ur": pgettext_lazy("language name inside a sentence", "Urdu"),
    "ru": pgettext_lazy("language name inside a sentence", "Russian"),
    "tr": pgettext_lazy("language name inside a sentence", "Turkish"),
    "ja": pgettext_lazy("language name inside a sentence", "Japanese"),
    "ko": pgettext_lazy("language name inside a sentence", "Korean"),
}
LANGUAGE_CODES = tuple(_NAMES_IN_A_SENTENCE)


def attestation_text(source_language: str, language: str) -> str:
    """The words the translator attests, in the language they read the service in."""
    return gettext(
        "I translated this opinion from %(source)s into %(target)s myself, faithfully and "
        "completely, and I am competent to translate medical text between these languages."
    ) % {"source": language_name(source_language), "target": language_name(language)}


def check_delivery(case: Case) -> None:
    """Refuse delivery while a case that needs a translation has no attested translation of
    the opinion as it stands, or its newest PDF does not hold that translation yet."""
    if not needs_translation(case):
        return
    opinion = Opinion.objects.filter(case=case).first()
    translation = translation_in_force(opinion)
    if translation is None:
        language = language_name(case.report_language)
        if opinion is not None and latest_translation(opinion) is not None:
            raise ApplicationError(
                gettext(
                    "The opinion was revised after it was translated. The translation into "
                    "%(language)s must be brought up to date and attested again before the "
                    "opinion is delivered."
                )
                % {"language": language}
            )
        raise ApplicationError(
            gettext(
                "This opinion is not in the patient's report language (%(language)s). Enter its "
                "translation, attested by the translator, before you deliver it."
            )
            % {"language": language}
        )
    report = Report.objects.filter(opinion=opinion, opinion_revision=translation.opinion_revision)
    if getattr(report.first(), "translation_id", None) != translation.pk:
        raise ApplicationError(
            gettext(
                "The PDF report with the translation is still being prepared. Try again in a "
                "moment."
            )
        )


@transaction.atomic
def attest_translation(
    *,
    case: Case,
    by: User,
    source_language: str,
    attested: bool,
    qualification: str = "",
    **texts: str,
) -> OpinionTranslation:
    """A coordinator records the opinion's translation into the report language, which they
    made and attest to: a new row each time, audited, and a new PDF with both texts."""
    if not permissions.is_coordinator(by):
        raise ApplicationError(gettext("Only a coordinator can enter the translation."))
    case = Case.objects.select_for_update(of=("self",)).select_related("specialist").get(pk=case.pk)
    if case.status != Status.OPINION_SUBMITTED:
        raise ApplicationError(
            gettext(
                "The translation can be entered once the specialist has submitted the opinion "
                "and until it is delivered."
            )
        )
    if not needs_translation(case):
        raise ApplicationError(
            gettext("This case needs no translation: the specialist writes its report language.")
        )
    opinion = Opinion.objects.get(case=case)
    unknown = set(texts) - set(OpinionTranslation.TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Not translated fields: {sorted(unknown)}")
    texts = {name: (texts.get(name) or "").strip() for name in OpinionTranslation.TEXT_FIELDS}
    for name in OpinionTranslation.TEXT_FIELDS:
        written = getattr(opinion, name).strip()
        if written and not texts[name]:
            raise ApplicationError(gettext("Translate this part of the opinion too."), field=name)
        if not written and texts[name]:
            raise ApplicationError(
                gettext("The specialist left this part empty: leave the translation empty too."),
                field=name,
            )
    if source_language == case.report_language or source_language not in LANGUAGE_NAMES:
        raise ApplicationError(
            gettext("Choose the language the specialist wrote the opinion in."),
            field="source_language",
        )
    if not attested:
        raise ApplicationError(
            gettext("Confirm that you translated the opinion faithfully."), field="attested"
        )
    translation = OpinionTranslation.objects.create(
        opinion=opinion,
        opinion_revision=opinion.revision,
        source_language=source_language,
        language=case.report_language,
        translator=by,
        qualification=qualification.strip(),
        attestation=attestation_text(source_language, case.report_language),
        attested_at=timezone.now(),
        **texts,
    )
    state_machine.audit(
        case,
        by,
        "translation.attest",
        translation,
        revision=opinion.revision,
        language=case.report_language,
    )
    opinion_id, revision = opinion.pk, opinion.revision
    addenda = FollowUpQuestion.objects.filter(case=case, answered_at__isnull=False).count()
    transaction.on_commit(
        lambda: tasks.render_report.delay(opinion_id, revision, addenda), robust=True
    )
    return translation
