"""The records pages in the reader's language: the case page's records section (files, DICOM
studies, requests to providers, the uploader), the record viewer, describing a record, asking a
provider, the coordinators' list of open requests and the provider's own pages; their refusals
in Spanish. File names, what people wrote and what the files say stay as they are."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Status
from records import services
from records.models import RecordFile, RecordsRequest
from tests.factories import provider_token, records_request
from tests.records.conftest import tus_for
from tests.records.files import WINDOWS_PROGRAM, dicom_study, distinct_pdf, pdf_with_pages

from .pages import english_left, speaks
from .partials import (
    english_left_in,
    left_between,
    shared_words_not_yet_translated,
    sizes_written_alike,
)

# The people's words and the files' own: names, the request's text, what a DICOM file says.
WORDS = {
    "pathology-report.pdf",
    "scan-letter.pdf",
    "IM1.dcm",
    "IM2.dcm",
    "IM3.dcm",
    "Dr Ada Brown",
    "City Hospital",
    "Knee MRI",
    "The MRI report from June",
    "CT chest with contrast",
    "(2026-06-14)",
    ": Axial chest",
    "City Hospital, records@city-hospital.example",
}
# The same in Spanish: a format's name.
SAME_WORDS = {"PDF"}


def _add(case, by, name: str, content: bytes, *, read: bool = True) -> RecordFile:
    record = services.add_record(
        case=case, by=by, upload=SimpleUploadedFile(name, content, "application/octet-stream")
    )
    return services.read_record(record_id=record.pk) if read else record


def _case_with_every_kind_of_record(actors):
    """A case in review: its PDF read, a described PDF being read, a DICOM study, and a request
    to a provider who was reminded twice."""
    case = actors.case(Status.IN_REVIEW)
    services.read_record(record_id=case.records.get().pk)
    letter = _add(case, actors.alice, "scan-letter.pdf", pdf_with_pages(3), read=False)
    services.describe_record(
        record=letter, by=actors.alice, label="letter", note="The MRI report from June"
    )
    for n, content in enumerate(dicom_study(3), start=1):
        _add(case, actors.alice, f"IM{n}.dcm", content)
    RecordsRequest.objects.filter(pk=records_request(case).pk).update(reminders_sent=2)
    return case


@pytest.mark.django_db
def test_the_case_pages_records_section_is_in_spanish_for_each_reader(client, actors):
    case = _case_with_every_kind_of_record(actors)
    url = reverse("cases:case-detail", args=[case.reference])
    same = WORDS | SAME_WORDS | sizes_written_alike() | shared_words_not_yet_translated()

    for reader in (actors.alice, actors.dr_smith.user, actors.cora):
        left = english_left_in(client, reader, url, "records/partials/case_records.html", same=same)
        assert left == [], reader


@pytest.mark.django_db
def test_the_records_section_in_english_is_unchanged(client, actors):
    case = _case_with_every_kind_of_record(actors)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert '<h2 id="records-heading">Medical records</h2>' in page
    assert "<td>Not scanned (no virus scanner configured)</td>" not in page  # has its class
    assert ">Not scanned (no virus scanner configured)</td>" in page
    assert "<td>1 page</td>" in page
    assert "Being read" in page
    assert '<span class="usa-tag margin-left-05">Letter</span>' in page
    assert "CT, chest\n" in page
    assert "· 3 images\n" in page
    assert "2 reminders sent" in page
    assert 'Send a new link<span class="usa-sr-only"> to Dr Ada Brown</span>' in page
    assert "Upload files or a whole folder" in page


@pytest.mark.django_db
def test_the_record_viewer_is_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    pdf = services.read_record(record_id=case.records.get().pk)
    dicom = [_add(case, actors.alice, f"IM{n}.dcm", c) for n, c in enumerate(dicom_study(3), 1)]
    text = _add(case, actors.alice, "notes.txt", b"plain words\n")

    for record in (pdf, dicom[1], text):
        url = reverse("records:record-view", args=[record.pk])
        for reader in (actors.alice, actors.dr_smith.user):
            assert (
                english_left(
                    client,
                    reader,
                    url,
                    same=WORDS | SAME_WORDS | sizes_written_alike() | {"notes.txt"},
                )
                == []
            ), (
                record.original_name,
                reader,
            )


@pytest.mark.django_db
def test_describing_a_record_is_in_spanish_and_refuses_in_spanish(client, actors):
    case = actors.case(Status.SUBMITTED)
    record = case.records.get()
    url = reverse("records:record-describe", args=[record.pk])
    same = WORDS | SAME_WORDS | sizes_written_alike() | shared_words_not_yet_translated()

    assert english_left(client, actors.alice, url, same=same) == []

    speaks(actors.alice, client=client)
    refused = client.post(url, {"label": "x-ray", "note": ""}).text
    saved = client.post(url, {"label": "pathology", "note": ""}, follow=True).text
    assert "Escoja una opción válida." in refused
    assert "Su descripción de «pathology-report.pdf» se ha guardado." in saved


@pytest.mark.django_db
def test_asking_a_provider_is_in_spanish_and_refuses_in_spanish(client, actors):
    case = actors.case(Status.SUBMITTED)
    url = reverse("records:request-create", args=[case.reference])

    assert english_left(client, actors.alice, url) == []

    speaks(actors.alice, client=client)
    refused = client.post(url, {"provider_email": "not an address"}).text
    sent = client.post(
        url,
        {
            "provider_name": "Dr Ada Brown",
            "provider_organisation": "City Hospital",
            "provider_email": "records@city-hospital.example",
            "records_wanted": "Knee MRI",
        },
        follow=True,
    ).text
    assert "Este campo es obligatorio." in refused
    assert "Introduzca una dirección de correo electrónico válida." in refused
    assert "Enviamos a Dr Ada Brown por correo electrónico un enlace" in sent


@pytest.mark.django_db
def test_the_open_requests_list_is_in_spanish_empty_and_full(client, actors):
    url = reverse("records:request-list")
    assert english_left(client, actors.cora, url) == []

    records_request(actors.case(Status.SUBMITTED))
    draft = actors.case(Status.DRAFT)
    records_request(draft)
    same = WORDS | {"records@city-hospital.example", f"{draft.reference} (draft)"}
    left = english_left(client, actors.cora, url, same=same - {f"{draft.reference} (draft)"})
    assert left == []


@pytest.mark.django_db
def test_a_refused_upload_is_explained_in_spanish(client, actors):
    case = actors.case(Status.SUBMITTED)
    speaks(actors.alice, client=client)
    url = reverse("records:record-upload", args=[case.reference])

    nothing = client.post(url, {}, follow=True).text
    program = client.post(
        url, {"file": SimpleUploadedFile("setup.exe", WINDOWS_PROGRAM)}, follow=True
    ).text
    added = client.post(
        url, {"file": SimpleUploadedFile("more.pdf", distinct_pdf("more"))}, follow=True
    ).text

    assert "Elija un archivo para subir." in nothing
    assert (
        "«setup.exe» no es un tipo de archivo que aceptemos. Suba archivos PDF, JPEG, PNG, TIFF, "
        "DICOM, texto sin formato, Word, Excel u OpenDocument."
    ) in program
    assert "«more.pdf» se ha añadido a su caso." in added


def _providers_browser(case, language: str) -> Client:
    provider = Client()
    provider.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    token = provider_token(records_request(case))
    assert provider.get(reverse("records:provider-link", args=[token])).status_code == 302
    return provider


@pytest.mark.django_db
def test_the_providers_page_is_in_spanish_before_and_after_a_file(actors):
    case = actors.case(Status.SUBMITTED)
    provider = _providers_browser(case, "en-gb")
    url = reverse("records:provider-upload")
    same = WORDS | SAME_WORDS

    assert english_left(provider, None, url, same=same) == []

    provider.post(
        url,
        {
            "file": [
                SimpleUploadedFile("ok.pdf", distinct_pdf("ok")),
                SimpleUploadedFile("setup.pdf", WINDOWS_PROGRAM),
            ]
        },
    )
    assert english_left(provider, None, url, same=same | sizes_written_alike()) == []


@pytest.mark.django_db
def test_the_provider_is_refused_and_thanked_in_spanish(actors):
    pages = {}
    for language in ("en-gb", "es"):
        provider = _providers_browser(actors.case(Status.SUBMITTED), language)
        url = reverse("records:provider-upload")
        refused = provider.post(url, {"file": SimpleUploadedFile("setup.exe", WINDOWS_PROGRAM)})
        done = provider.post(url, {"file": SimpleUploadedFile("ok.pdf", distinct_pdf(language))})
        pages[language] = (refused.text, done.text)
        assert provider.get(url).status_code == 410  # the link is used up

    assert "«setup.exe» no es un tipo de archivo que aceptemos." in pages["es"][0]
    assert "Recibimos 1 archivo y lo añadimos al caso del paciente." in pages["es"][1]
    assert "We received 1 file and added it to the patient's case." in pages["en-gb"][1]
    assert left_between(pages["en-gb"][1], pages["es"][1]) == []


@pytest.mark.django_db
def test_a_link_that_does_not_work_is_explained_in_spanish(actors):
    pages = {}
    for language in ("en-gb", "es"):
        provider = Client()
        provider.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages[language] = provider.get(reverse("records:provider-link", args=["x" * 43])).text

    assert "Este enlace no es válido." in pages["es"]
    assert left_between(pages["en-gb"], pages["es"]) == []


@pytest.mark.django_db
def test_the_resumable_uploaders_refusals_reach_the_uploader_in_spanish(client, actors):
    speaks(actors.alice, client=client)
    tus = tus_for(client, actors.case(Status.DRAFT))
    location = tus.create("scan.pdf", len(WINDOWS_PROGRAM))["Location"]

    refused = tus.patch(location, WINDOWS_PROGRAM, 0)
    again = tus.patch(location, WINDOWS_PROGRAM, 0)

    assert refused.status_code == 422
    assert refused.text.startswith("«scan.pdf» no es un tipo de archivo que aceptemos.")
    assert (again.status_code, again.text) == (410, refused.text)
