"""The first consent text and the price list, seeded by a migration and edited in Django admin.

Also called by the test factories: tests that empty the database (transactional ones) get them
back. Takes the models as arguments so that the migration can pass its historical ones.
"""

from decimal import Decimal

from django.utils import timezone

CONSENT_V1 = """\
By signing, you (or the person you act for, "the patient") agree that:

1. Review by an outside specialist. Second Opinion's coordinators will read the answers you give \
and the medical records you share, and pass them to an independent specialist who does not work \
for the patient's own doctors, so that the specialist can write a second opinion.

2. Sharing with the matched specialist. Only the specialist who accepts the case, our \
coordinators and you can see the case and its records. The specialist is told the patient's name, \
date of birth, diagnosis, question and records, and nothing else about them.

3. Storage and retention. The case, its records and the opinion are stored securely and kept for \
8 years after the case closes (longer when the patient was under 18: until their 25th birthday), \
as medical records must be, and then deleted. Every time someone reads or changes them is logged.

4. A second opinion is not treatment. The specialist does not examine the patient. Talk to the \
patient's own doctor before changing any treatment.

5. You can withdraw this consent at any time before a specialist starts the review; the request \
is then withdrawn and nothing more is shared.
"""

# Version 2 adds item 6: the follow-up check-ins after the opinion, and how their answers are used.
CONSENT_V2 = (
    CONSENT_V1
    + """
6. Follow-up after the opinion. About 30 and 90 days after the opinion is delivered we email \
you asking you to sign in and answer a short check-in (did the diagnosis or treatment change, did \
you follow the advice). Your answers, and what you tell us about your decision, are used only in \
aggregate, to measure how useful second opinions are, and are never shared with the specialist by \
name. You can decline follow-up at any time, on the case page, without affecting your opinion.
"""
)

# The same versions in Spanish: the same terms, so signing either wording signs the version.
CONSENT_V1_ES = """\
Al firmar, usted (o la persona a la que representa, «el paciente») acepta lo siguiente:

1. Revisión por un especialista externo. Los coordinadores de Second Opinion leerán las respuestas \
que usted dé y los historiales médicos que comparta, y los pasarán a un especialista independiente \
que no trabaja para los médicos del propio paciente, para que pueda redactar una segunda opinión.

2. Compartir con el especialista asignado. Solo el especialista que acepte el caso, nuestros \
coordinadores y usted pueden ver el caso y sus historiales. Al especialista se le comunica el \
nombre, la fecha de nacimiento, el diagnóstico, la pregunta y los historiales del paciente, y nada \
más sobre él o ella.

3. Almacenamiento y conservación. El caso, sus historiales y la opinión se guardan de forma segura \
y se conservan durante 8 años después del cierre del caso (más tiempo si el paciente era menor de \
18 años: hasta que cumpla 25), como exigen los historiales médicos, y después se eliminan. Cada vez \
que alguien los lee o los modifica queda registrado.

4. Una segunda opinión no es un tratamiento. El especialista no examina al paciente. Hable con el \
médico del propio paciente antes de cambiar cualquier tratamiento.

5. Puede retirar este consentimiento en cualquier momento antes de que un especialista comience la \
revisión; la solicitud se retira entonces y no se comparte nada más.
"""

CONSENT_V2_ES = (
    CONSENT_V1_ES
    + """
6. Seguimiento después de la opinión. Unos 30 y 90 días después de entregada la opinión, le \
enviaremos un correo electrónico pidiéndole que inicie sesión y responda un breve cuestionario de \
seguimiento (si cambió el diagnóstico o el tratamiento, si siguió el consejo). Sus respuestas, y lo \
que nos cuente sobre su decisión, se usan solo de forma agregada, para medir la utilidad de las \
segundas opiniones, y nunca se comparten con el especialista con su nombre. Puede rechazar el \
seguimiento en cualquier momento, en la página del caso, sin que ello afecte a su opinión.
"""
)
CONSENT_TRANSLATIONS = {(1, "es"): CONSENT_V1_ES, (2, "es"): CONSENT_V2_ES}

PRICES = [
    ("standard", Decimal("750.00")),
    ("imaging", Decimal("1100.00")),
    ("pathology", Decimal("1250.00")),
]


def seed_consent_and_prices(consent_text_model, price_model) -> None:
    """Publish consent version 1 and the three prices, unless they exist (running twice is fine)."""
    for version, body in ((1, CONSENT_V1), (2, CONSENT_V2)):
        consent_text_model.objects.get_or_create(
            version=version, defaults={"body": body, "published_at": timezone.now()}
        )
    for review_type, amount in PRICES:
        price_model.objects.get_or_create(
            review_type=review_type, defaults={"amount": amount, "currency": "USD"}
        )


def seed_consent_translations(consent_text_model, translation_model) -> None:
    """The seeded consent versions' Spanish wording, unless it exists (running twice is fine)."""
    for (version, language), body in CONSENT_TRANSLATIONS.items():
        text = consent_text_model.objects.filter(version=version).first()
        if text is not None:
            translation_model.objects.get_or_create(
                text=text, language=language, defaults={"body": body}
            )
