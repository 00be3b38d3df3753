"""Every page of ours is valid HTML by the Nu HTML Checker (vnu, the W3C's checker, from npm's
`vnu-jar`): each page of the authorization matrix, opened by each role that may open it in the
case state its row names, allauth's pages we restyle, and the HTML the PDF report is made from.
A checker we did not write: what the browser tests cannot see (a fragment served as a page, an
attribute HTML does not allow, an id used twice) fails here, named with its page and role.

One Java process checks every page of a case state at once (its start costs about a second)."""

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Status
from review import services as review_services
from review.reports import report_html
from tests.factories import OPINION
from tests.proofs.matrix import BY_STATE, clients, pages_read
from tests.proofs.test_every_page_in_spanish import ALLAUTH_PAGES, READERS
from tests.support import needs_service

VNU = (
    Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)

pytestmark = [
    needs_service(
        "Java", shutil.which("java") is not None, "the Nu HTML Checker runs on Java: make java"
    ),
    needs_service("vnu-jar", VNU.exists(), "npm's vnu-jar: make install (npm ci)"),
]


def _problems(pages: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """vnu's errors (warnings left out) for each page, by the page's name."""
    files = {}
    for number, (name, html) in enumerate(sorted(pages.items())):
        path = folder / f"{number}.html"
        path.write_text(html)
        files[path.name] = name
    checked = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            *map(str, sorted(folder.iterdir())),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    found: dict[str, list[str]] = {}
    for message in json.loads(checked.stderr)["messages"]:
        name = files[Path(message["url"]).name]
        found.setdefault(name, []).append(f"line {message.get('lastLine')}: {message['message']}")
    return found


def _page(client, url: Callable[[], str]) -> str | None:
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():  # each page meets the case as it was
        response = client.get(url())
        transaction.set_rollback(True)
    client.cookies = cookies
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    return response.text


@pytest.mark.parametrize("state", sorted(BY_STATE, key=str), ids=str)
def test_every_page_is_valid_html(actors, proxy, state, tmp_path):
    pages = {
        page: html
        for page, client, url in pages_read(actors, proxy, state, READERS)
        if (html := _page(client, url)) is not None
    }
    assert pages, "no page was checked"
    assert _problems(pages, tmp_path) == {}


@pytest.mark.django_db
def test_allauths_pages_are_valid_html(actors, proxy, tmp_path):
    signed_in = clients(actors, proxy)
    pages = {
        f"{role} {name}": html
        for role, names in ALLAUTH_PAGES.items()
        for name in names
        if (html := _page(signed_in[role], partial(reverse, name))) is not None
    }
    assert len(pages) == sum(len(names) for names in ALLAUTH_PAGES.values())
    assert _problems(pages, tmp_path) == {}


# CSS for paged media (GCPM) that WeasyPrint reads and the checker's CSS grammar does not know:
# the running header's patient name and reference (`string-set`, `content: string(...)`).
PAGED_MEDIA_CSS = ("“string-set”", "string(")


def test_the_pdf_reports_html_is_valid(actors, tmp_path):
    """The HTML WeasyPrint turns into the report: valid as HTML, its CSS but for paged media."""
    case = actors.case(Status.IN_REVIEW)
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)
    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)

    found = _problems(
        {"report": report_html(opinion, generated_at=timezone.now(), version=1)}, tmp_path
    )

    left = [m for m in found.get("report", []) if not any(css in m for css in PAGED_MEDIA_CSS)]
    assert left == []
