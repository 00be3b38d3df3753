"""The PDF report in the case's report language (issue #19): Spanish labels, dates and /Lang for a
Spanish case; with an attested translation, the specialist's text and the translation, each
labelled; an English case's report as it was."""

import io
from datetime import UTC, datetime

import time_machine
from pypdf import PdfReader

from cases.models import Case, Status
from review import translations
from review.models import Opinion, Report
from review.reports import render_report
from tests.factories import OPINION
from tests.review.test_translation_step import TRANSLATED, waived_case


def pdf_of(report: Report) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(report.file.read()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text, reader


def rendered(case: Case) -> Report:
    """The worker's report of the case's opinion (the factory's stand-in PDF removed first)."""
    Report.objects.filter(case=case, translation=None).delete()
    opinion = Opinion.objects.get(case=case)
    return render_report(opinion_id=opinion.pk, revision=opinion.revision)


def test_a_spanish_case_with_a_translation_gets_a_spanish_report_with_both_texts(actors):
    case = waived_case(actors)
    with time_machine.travel(datetime(2026, 12, 7, 10, 30, tzinfo=UTC), tick=False):
        translations.attest_translation(
            case=case,
            by=actors.cora,
            source_language="en",
            attested=True,
            qualification="Intérprete médica certificada (CCHI)",
            **TRANSLATED,
        )

    text, reader = pdf_of(rendered(case))

    assert reader.trailer["/Root"]["/Lang"] == "es"
    for label in (
        "Informe de segunda opinión",
        "Fecha de nacimiento:",
        "Referencia del caso:",
        "La pregunta del paciente",
        "Diagnóstico original",
        "Resumen en lenguaje sencillo",
        "Tratamiento recomendado y alternativas",
        "Documentación revisada",
        "Sobre el especialista",
        "Página 1 de",
        "17 de mayo de 1970",  # the date of birth, in Spanish
    ):
        assert label in text, label
    # Each text under its own label: the translation first, then the specialist's own words.
    translated_label = (
        "Traducción al español por Cora Coordinator, certificada el 7 de diciembre de 2026"
    )
    original_label = "Opinión tal como la redactó Dr Sarah Smith (inglés)"
    assert translated_label in text and original_label in text
    translated_part = text[text.index(translated_label) : text.index(original_label)]
    original_part = text[text.index(original_label) :]
    assert "tradujo la opinión del especialista del inglés" in translated_part
    assert "Intérprete médica certificada (CCHI)" in translated_part
    assert TRANSLATED["diagnosis"] in translated_part
    assert "Los márgenes de la laminilla 4 no muestran invasión." in translated_part
    assert OPINION["diagnosis"] in original_part
    assert "The margins on slide 4 show no invasion." in original_part
    assert OPINION["diagnosis"] not in translated_part
    assert "traducida al español por Cora Coordinator" in text  # on the cover too
    # The English labels are gone (the patient's and specialist's own words stay as written).
    for english in ("Second opinion report", "Date of birth", "Records reviewed", "Page 1 of"):
        assert english not in text, english


def test_a_spanish_case_written_in_spanish_gets_spanish_labels_and_no_translation(actors):
    case = actors.case(Status.OPINION_SUBMITTED)
    Case.objects.filter(pk=case.pk).update(report_language="es")

    report = rendered(case)
    text, reader = pdf_of(report)

    assert report.translation is None
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert "Informe de segunda opinión" in text and "Razonamiento" in text
    assert "Traducción al" not in text and "Opinión tal como la redactó" not in text


def test_an_english_case_gets_the_english_report_as_before(actors):
    case = actors.case(Status.OPINION_SUBMITTED)

    text, reader = pdf_of(rendered(case))

    assert reader.trailer["/Root"]["/Lang"] == "en"
    for label in (
        "Second opinion report",
        "Date of birth: 17 May 1970",
        "Case reference:",
        "The patient's question",
        "Original and specialist's diagnosis",
        "Summary in plain language",
        "Records reviewed",
        "About the specialist",
        "Page 1 of",
    ):
        assert label in text, label
    assert "Translation into" not in text and "Informe" not in text


def test_a_report_language_the_service_does_not_speak_gets_english_labels(actors):
    case = actors.case(Status.OPINION_SUBMITTED)
    Case.objects.filter(pk=case.pk).update(report_language="fr")

    text, reader = pdf_of(rendered(case))

    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Second opinion report" in text
