"""What the reading task found about a file (why it could not be read, why a DICOM slice has no
preview) is written once, by a worker with no reader, and shown to each reader in their language."""

import pytest
from django.urls import reverse
from PIL import Image

from cases.models import Status
from records.models import RecordFile
from tests.records.files import picture
from tests.records.test_huge_images import add_and_read

DAMAGED_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _records_page(client, user, case, language: str) -> str:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client.get(reverse("records:case-records", args=[case.reference])).text


@pytest.mark.django_db
def test_a_picture_too_large_to_read_says_so_in_each_readers_language(client, actors, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_500_000)
    case = actors.case(Status.DRAFT)
    add_and_read(case, actors.alice, "scan.png", picture(2400, 1800, "PNG"))

    english = _records_page(client, actors.alice, case, "en-gb")
    spanish = _records_page(client, actors.alice, case, "es")

    assert "The image is too large to read safely: 2400 × 1800 pixels" in english
    assert (
        "La imagen es demasiado grande para leerla con seguridad: 2400 × 1800 píxeles, y "
        "decodificamos como máximo 2 millones. Descárguela para abrirla."
    ) in spanish
    assert "too large to read safely" not in spanish


@pytest.mark.django_db
def test_a_damaged_pdf_says_so_in_spanish(client, actors):
    case = actors.case(Status.DRAFT)
    record = add_and_read(case, actors.alice, "informe.pdf", DAMAGED_PDF)
    assert record.read_status == RecordFile.ReadStatus.UNREADABLE

    spanish = _records_page(client, actors.alice, case, "es")

    assert "El PDF está dañado o protegido con contraseña." in spanish
    assert "damaged or protected" not in spanish


@pytest.mark.django_db
def test_a_file_read_before_its_words_were_kept_shows_what_was_written(client, actors):
    case = actors.case(Status.DRAFT)
    record = add_and_read(case, actors.alice, "informe.pdf", DAMAGED_PDF)
    RecordFile.objects.filter(pk=record.pk).update(
        metadata={"unreadable": "The PDF is damaged or protected by a password."}
    )

    spanish = _records_page(client, actors.alice, case, "es")

    assert "The PDF is damaged or protected by a password." in spanish
