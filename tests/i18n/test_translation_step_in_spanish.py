"""The translation step's page, in Spanish for a coordinator who reads the service in Spanish
(issue #19): every sentence of ours translated, the opinion's own words left as written."""

from django.urls import reverse

from tests.factories import OPINION
from tests.i18n.pages import english_left
from tests.review.test_translation_step import waived_case

# The specialist's own words shown beside each field, and the people's names.
OPINION_TEXT = {
    OPINION[name] for name in ("diagnosis", "reasoning", "recommendations", "plain_summary")
} | {OPINION["helpful_tests"], "Cora Coordinator", "Hindi", "Urdu"}  # the same in Spanish


def test_the_translation_page_is_in_spanish(client, actors):
    case = waived_case(actors)
    url = reverse("review:opinion-translation", args=[case.reference])

    left = english_left(client, actors.cora, url, same=OPINION_TEXT)

    # "(optional)" comes from the shared field template (templates/forms/field.html), which
    # this branch does not translate.
    assert set(left) <= {"(optional)"}


def test_a_refused_translation_says_why_in_spanish(client, actors):
    case = waived_case(actors)
    actors.cora.language = "es"
    actors.cora.save(update_fields=["language"])
    client.force_login(actors.cora)

    page = client.post(
        reverse("review:opinion-translation", args=[case.reference]), {"source_language": "en"}
    ).text

    assert "Traduzca también esta parte de la opinión." in page
    assert "Confirme que tradujo la opinión fielmente." in page
    assert "Traduje personalmente esta opinión del inglés al español" in page
