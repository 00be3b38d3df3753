"""The bad-input corpus (tests/proofs/corpus.py) against every form and upload endpoint.

Forms: every URL of ours that takes a POST (from the authorization matrix, itself generated from
the URLconf), as a person allowed to post there; each field the page's form offers gets 1 MB of
text, null bytes and invalid UTF-8 in turn, while the other fields hold what the person typed;
then 1 MB in every field at once. Searches and filters (GET) get null bytes, long values and
invalid UTF-8. Uploads: each bad file through the record upload form, resumable (tus) uploads by
the patient and by a provider, a message attachment, the answer to a specialist's question, a
caregiver's authority document and the provider's records-request page.

What must hold every time: no server error; a refusal says what is wrong; what else the person
typed comes back on the page; a dangerous file is refused or kept flagged (quarantined, waiting
for its scan, "could not read") and is only ever handed out as a download, never as HTML or SVG.
"""

import hashlib
import re
from dataclasses import replace
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cases import intake
from cases import services as case_services
from cases.models import Coverage, ProxyAuthority, Status
from records import services as record_services
from records.models import RecordFile, Upload
from tests.factories import provider_token, records_request
from tests.proofs.matrix import MATRIX, OK, URLS, case_for, clients, url_kwargs
from tests.records.conftest import CLAMD, TusClient

from .corpus import (
    BAD_FILES,
    BAD_TUS_NAMES,
    FORM_VALUES,
    INVALID_UTF8,
    KEPT,
    NULL_BYTES,
    ONE_MEGABYTE,
    OVER_SIZE_LIMIT,
    REFUSE,
    BadFile,
)
from .html_forms import form_for, search_forms

# The roles tried, in order, for a URL: the first the matrix lets post there posts the corpus.
ACTOR_ORDER = (
    "owner",
    "assigned_specialist",
    "coordinator",
    "unassigned_specialist",
    "other_patient",
    "caregiver_without_authority",
    "anonymous",
    "superuser",  # the admin's sign-in (it only redirects, whatever is posted)
)
# Pages that are downloads or health checks, not pages with searches.
NO_QUERY_PAGES = {"healthz", "readyz"}
# What the 400 page says when a request carries more than Django reads.
TOO_MUCH = "more than we can take in one go"
# Types a browser could run if a download were shown inline.
ACTIVE_TYPES = (
    "text/html",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "text/javascript",
)


@pytest.fixture
def upload_settings(settings, request):
    """A small size limit (so "over-size" costs little), and clamd when it is installed."""
    settings.RECORD_MAX_UPLOAD_BYTES = OVER_SIZE_LIMIT
    settings.CLAMD_SOCKET = request.getfixturevalue("clamd_socket") if CLAMD else ""
    settings.CLAMD_HOST = ""
    return settings


def _request(client, method: str, *args, **kwargs):
    """The response, or a stand-in 500 when the view raised (what a user would have seen)."""
    try:
        return getattr(client, method)(*args, **kwargs)
    except Exception as error:  # any exception is the bug being looked for

        class Raised:
            status_code = 500
            text = f"{type(error).__name__}: {error}"
            content = text.encode()

        return Raised()


# Forms ---------------------------------------------------------------------------------------


def _form_targets() -> list[tuple[str, str | None]]:
    """(URL name, intake step) for every URL that takes a POST from someone."""
    targets = []
    for name, row in sorted(MATRIX.items()):
        if not any(result == OK for result in row.post.values()):
            continue
        if name == "cases:intake-step":
            targets += [(name, step.slug) for step in intake.STEPS if step.form is not None]
        else:
            targets.append((name, None))
    return targets


FORM_TARGETS = _form_targets()
_URLENCODED = "application/x-www-form-urlencoded"


def _kept_value(kind: str) -> str:
    return f"{KEPT.lower()}@example.org" if kind == "email" else KEPT


def _encode(values: dict[str, list[str]], bad_field: str, bad_raw: bytes) -> bytes:
    """A urlencoded body with `bad_raw` (bytes that are not UTF-8) as `bad_field`'s value."""
    others = {key: value for key, value in values.items() if key != bad_field}
    body = urlencode(others, doseq=True)
    return f"{body}&{bad_field}={quote_from_bytes(bad_raw)}".encode()


@pytest.mark.parametrize(("name", "step"), FORM_TARGETS, ids=lambda value: value or "")
def test_a_form_refuses_bad_text_clearly_and_keeps_what_else_was_typed(actors, proxy, name, step):
    row = MATRIX[name]
    role = next(role for role in ACTOR_ORDER if row.post.get(role) == OK)
    case = case_for(actors, proxy, name)
    kwargs = url_kwargs(name, case)
    if step:
        kwargs["step"] = step
    if step == "insurance":
        case_services.update_case(case=case, by=case.owner, coverage=Coverage.INSURANCE)
    url = reverse(name, kwargs=kwargs)
    client = clients(actors, proxy)[role]
    page = client.get(url) if row.get.get(role) == OK else None
    if page is not None and page.status_code == 404:
        pytest.skip(f"the {step} step does not apply to this case")
    form = form_for(page.text, url) if page is not None and page.status_code == 200 else None
    problems = []

    def post(label: str, **kwargs):
        with transaction.atomic():  # each attempt meets the case as it was
            response = _request(client, "post", url, **kwargs)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code} {response.text[:300]}")
        return response

    if form is None or not set(form.values) - {"csrfmiddlewaretoken"}:
        # Nothing to type into: a button. Junk in the body must still not break it.
        for key, value in FORM_VALUES.items():
            post(f"{key} in a stray field", data={"note": value, "reason": value})
        post("invalid UTF-8", data=b"note=" + INVALID_UTF8, content_type=_URLENCODED)
        assert not problems, problems
        return

    # Every field gets each bad value: the typed ones, and the choices a script may replace.
    for bad_field in [key for key in form.values if key != "csrfmiddlewaretoken"] + [
        key for key in form.typed if key not in form.values
    ]:
        values = {
            key: [_kept_value(form.typed[key])] if key in form.typed else value
            for key, value in form.values.items()
        }
        kept_fields = [key for key in form.typed if key != bad_field]
        attempts = [
            (key, {"data": {**values, bad_field: [value]}}) for key, value in FORM_VALUES.items()
        ]
        attempts.append(
            (
                "invalid-utf8",
                {"data": _encode(values, bad_field, INVALID_UTF8), "content_type": _URLENCODED},
            )
        )
        for key, request_kwargs in attempts:
            label = f"{key} in {bad_field}"
            response = post(label, **request_kwargs)
            refused = response.status_code == 200 and (
                "usa-error-message" in response.text or "There is a problem" in response.text
            )
            # 1 MB or a null byte typed into a field is refused, never stored. (Invalid UTF-8
            # arrives as U+FFFD, the replacement character, which the person sees in its place.)
            if key in FORM_VALUES and bad_field in form.typed and not refused:
                problems.append(f"{label}: accepted ({response.status_code})")
            if not refused or not kept_fields:
                continue
            if KEPT.lower() not in response.text.lower():
                problems.append(f"{label}: refused, but what was typed in {kept_fields} is lost")
            if not _clear_error(response.text):
                problems.append(f"{label}: refused without a message")
    if len(form.typed) > 1:
        # 1 MB in every field at once: more than a request may carry (DATA_UPLOAD_MAX_MEMORY_SIZE).
        everywhere = {**form.values, **{key: [ONE_MEGABYTE] for key in form.typed}}
        response = post("one-megabyte in every field", data=everywhere)
        if response.status_code == 400 and TOO_MUCH not in response.text:
            problems.append(f"1 MB in every field: a bare 400 ({response.text[:100]!r})")
    assert not problems, "\n".join(problems)


# Names a page's address often reads, tried on pages with no search form too.
QUERY_NAMES = ("q", "page", "sort", "status", "return", "next", "filter")
QUERY_VALUES = {"null-bytes": NULL_BYTES, "ten-kilobytes": "A" * 10_240}


def test_searches_and_filters_take_bad_values_without_an_error(actors, proxy):
    """GET forms (searches, filters, paging) and the usual query names on every page that needs
    no case: bad values give the page (or a refusal), never a server error."""
    users = clients(actors, proxy)
    problems, tried = [], 0
    for name, row in sorted(MATRIX.items()):
        role = next((role for role in ACTOR_ORDER if row.get.get(role) == OK), None)
        if URLS[name] or role is None or name in NO_QUERY_PAGES:
            continue
        url = reverse(name)
        client = users[role]
        page = client.get(url)
        fields = set(QUERY_NAMES)
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            for form in search_forms(page.text, url):
                fields |= set(form.values) | set(form.typed)
        for field in sorted(fields):
            queries = [f"{field}={quote(value)}" for value in QUERY_VALUES.values()]
            queries.append(f"{field}={quote_from_bytes(INVALID_UTF8)}")
            for query in queries:
                tried += 1
                response = _request(client, "get", f"{url}?{query}")
                if response.status_code >= 500:
                    problems.append(f"{name} ?{query[:40]}: {response.text[:300]}")
    assert tried > 50
    assert not problems, "\n".join(problems)


def _clear_error(html: str) -> bool:
    messages = re.findall(r'class="usa-error-message">([^<]+)<', html)
    summary = re.findall(r'<h2 class="usa-alert__heading"[^>]*>There is a problem</h2>', html)
    return bool(messages or summary) and all(len(message.strip()) > 10 for message in messages)


# Uploads -------------------------------------------------------------------------------------


def _uploaded(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/octet-stream")


def _safe_name(name: str) -> bool:
    return (
        "/" not in name
        and "\\" not in name
        and ".." not in name
        and all(ch.isprintable() for ch in name)
    )


def _check_stored(bad: BadFile, record: RecordFile, owner) -> list[str]:
    """A stored bad file: a safe name, flagged until scanned, quarantined when infected,
    "could not read" when unreadable, and only ever downloaded as an attachment."""
    problems = []
    if not _safe_name(record.original_name):
        problems.append(f"unsafe stored name {record.original_name!r}")
    if not record.file.name.startswith(f"records/{record.case_id}/"):
        problems.append(f"stored outside the case's folder: {record.file.name}")
    if record.content_type in ACTIVE_TYPES:
        problems.append(f"stored as {record.content_type}")
    if CLAMD:
        if record.scan_status != RecordFile.ScanStatus.PENDING or record.is_downloadable:
            problems.append("not held back while waiting for its scan")
        record = record_services.scan_record(record_id=record.pk)
        wanted = RecordFile.ScanStatus.INFECTED if bad.infected else RecordFile.ScanStatus.CLEAN
        if record.scan_status != wanted:
            problems.append(f"scanned {record.scan_status}, wanted {wanted}")
    record = record_services.read_record(record_id=record.pk)
    if bad.unreadable and record.read_status != RecordFile.ReadStatus.UNREADABLE:
        problems.append(f"read as {record.read_status}, wanted unreadable")
    client = Client()
    client.force_login(owner)
    download = _request(client, "get", reverse("records:record-download", args=[record.pk]))
    if record.scan_status == RecordFile.ScanStatus.INFECTED:
        if download.status_code == 200 and bad.content in download.getvalue():
            problems.append("a quarantined file was downloaded")
    elif download.status_code != 200:
        problems.append(f"download answered {download.status_code}")
    else:
        disposition = download.get("Content-Disposition", "")
        content_type = download.get("Content-Type", "")
        if not disposition.startswith("attachment"):
            problems.append(f"served inline: {disposition!r}")
        if content_type.split(";")[0] in ACTIVE_TYPES:
            problems.append(f"served as {content_type}")
        if download.get("X-Content-Type-Options") != "nosniff":
            problems.append("served without X-Content-Type-Options: nosniff")
    return problems


def _check_refused(bad: BadFile, shown: str) -> list[str]:
    problems = []
    if bad.says and bad.says not in shown:
        problems.append(f"refusal does not say {bad.says!r}: {shown[:200]!r}")
    return problems


def _new_record(case, before: set[int], bad: BadFile) -> RecordFile | None:
    """The record stored from `bad`, if any (other files may have been sent with it)."""
    digest = hashlib.sha256(bad.content).hexdigest()
    return case.records.exclude(pk__in=before).filter(sha256=digest).first()


def _run(actors, case, send, *, owner=None, tus: bool = False) -> None:
    """Send each bad file with `send(bad) -> (status, text shown)` and check what happened."""
    owner = owner or case.owner
    problems = {}
    for bad in BAD_FILES:
        with transaction.atomic():
            before = set(case.records.values_list("pk", flat=True))
            status, shown = send(bad)
            found = []
            if status >= 500:
                found.append(f"{status}: {shown[:300]}")
            else:
                record = _new_record(case, before, bad)
                if tus and bad.tus_refusal:
                    found += _check_refused(replace(bad, says=bad.tus_refusal), shown)
                    if record is not None:
                        found.append("stored, but should be refused")
                elif bad.expect == REFUSE:
                    found += _check_refused(bad, shown)
                    if record is not None:
                        found.append("stored, but should be refused")
                elif record is None:
                    found.append(f"not stored: {shown[:200]!r}")
                else:
                    found += _check_stored(bad, record, owner)
            transaction.set_rollback(True)
        if found:
            problems[bad.key] = found
    assert not problems, problems


def _messages_text(response) -> str:
    return " ".join(str(message) for message in response.context["messages"]) + response.text


def test_the_record_upload_form_refuses_or_flags_each_bad_file_and_keeps_the_good_one(
    client, actors, upload_settings
):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    url = reverse("records:record-upload", args=[case.reference])

    def send(bad: BadFile):
        good = _uploaded(f"%PDF-1.4\n% good beside {bad.key}\n".encode(), "good.pdf")
        good_count = case.records.filter(original_name="good.pdf").count()
        response = _request(
            client, "post", url, data={"file": [_uploaded(bad.content, bad.name), good]}
        )
        if response.status_code != 302:
            return response.status_code, response.text
        page = client.get(response["Location"])
        if case.records.filter(original_name="good.pdf").count() != good_count + 1:
            return 599, "the good file sent with it was lost"
        return page.status_code, _messages_text(page)

    _run(actors, case, send)


def test_a_tus_upload_refuses_or_flags_each_bad_file(client, actors, upload_settings):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    tus = TusClient(client, reverse("records:tus-create", args=[case.reference]))

    def send(bad: BadFile):
        response = _request(tus, "upload", bad.name, bad.content)
        return response.status_code, response.content.decode()

    _run(actors, case, send, tus=True)
    assert not Upload.objects.filter(status=Upload.Status.RECEIVING).exclude(length=0).exists()


def test_a_tus_upload_refuses_folder_and_control_character_names_before_any_byte(
    client, actors, upload_settings
):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    tus = TusClient(client, reverse("records:tus-create", args=[case.reference]))
    for name in BAD_TUS_NAMES:
        response = tus.create(name, 100)
        assert response.status_code == 400, name
        assert "folder path we can't accept" in response.content.decode(), name
    assert not Upload.objects.exists()


def test_a_tus_upload_over_the_limit_is_refused_when_it_is_announced(
    client, actors, upload_settings
):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    tus = TusClient(client, reverse("records:tus-create", args=[case.reference]))

    response = tus.create("huge.pdf", OVER_SIZE_LIMIT + 1)

    assert response.status_code == 413
    assert "is larger than the" in response.content.decode()


def test_an_answer_to_a_question_refuses_a_bad_file_and_keeps_the_answer(
    client, actors, upload_settings
):
    case = actors.case(Status.INFO_REQUESTED)
    client.force_login(actors.alice)
    url = reverse("review:information-answer", args=[case.reference])
    answer = f"The scan was in June ({KEPT})."

    def send(bad: BadFile):
        response = _request(
            client, "post", url, data={"answer": answer, "file": _uploaded(bad.content, bad.name)}
        )
        if response.status_code == 200 and KEPT not in response.text:
            return 599, "refused, and the typed answer is lost"
        return response.status_code, response.text

    _run(actors, case, send)


def test_a_message_refuses_a_bad_attachment_and_keeps_the_message(client, actors, upload_settings):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)
    url = reverse("messaging:case-messages", args=[case.reference])
    body = f"Here is the letter from my GP ({KEPT})."

    def send(bad: BadFile):
        response = _request(
            client, "post", url, data={"body": body, "file": _uploaded(bad.content, bad.name)}
        )
        if response.status_code == 200 and KEPT not in response.text:
            return 599, "refused, and the typed message is lost"
        return response.status_code, response.text

    _run(actors, case, send)


def test_a_caregivers_authority_document_is_refused_unless_a_pdf_or_image(
    client, actors, upload_settings
):
    client.force_login(actors.carol)
    url = reverse("cases:authority-new")
    problems = {}
    for bad in BAD_FILES:
        content_type = record_services.detect_type(_uploaded(bad.content, bad.name))
        acceptable = (
            content_type in case_services.AUTHORITY_DOCUMENT_TYPES
            and 0 < len(bad.content) <= OVER_SIZE_LIMIT
        )
        with transaction.atomic():
            response = _request(
                client,
                "post",
                url,
                data={
                    "patient_email": "grandma@example.org",
                    "basis": ProxyAuthority.Basis.values[0],
                    "document": _uploaded(bad.content, bad.name),
                },
            )
            authority = ProxyAuthority.objects.filter(caregiver=actors.carol).first()
            found = []
            if response.status_code >= 500:
                found.append(response.text[:300])
            elif acceptable:
                if authority is None:
                    found.append(f"refused a {content_type}")
                elif not _safe_name(authority.document_name):
                    found.append(f"unsafe name {authority.document_name!r}")
                else:
                    # Scanned as the task would; an infected one is never served at all.
                    authority = case_services.scan_authority_document(authority_id=authority.pk)
                    download = client.get(reverse("cases:authority-document", args=[authority.pk]))
                    if not authority.is_downloadable:
                        if download.status_code != 409:
                            found.append(f"a {authority.scan_status} document answered {download}")
                    elif not download["Content-Disposition"].startswith("attachment"):
                        found.append("served inline")
            else:
                if authority is not None:
                    found.append(f"stored a {content_type}")
                if response.status_code != 200 or "grandma@example.org" not in response.text:
                    found.append("refused, and the typed email address is lost")
                elif "usa-error-message" not in response.text:
                    found.append("refused without a message")
            transaction.set_rollback(True)
        if found:
            problems[bad.key] = found
    assert not problems, problems


@pytest.fixture
def provider_client(actors):
    """A provider's browser that has opened the emailed link for alice's submitted case."""
    case = actors.case(Status.SUBMITTED)
    token = provider_token(records_request(case))
    provider = Client()
    assert provider.get(reverse("records:provider-link", args=[token])).status_code == 302
    return provider, case


def test_a_providers_upload_page_refuses_or_flags_each_bad_file(
    provider_client, actors, upload_settings
):
    provider, case = provider_client
    url = reverse("records:provider-upload")

    def send(bad: BadFile):
        response = _request(provider, "post", url, data={"file": _uploaded(bad.content, bad.name)})
        return response.status_code, response.text if response.status_code == 200 else ""

    _run(actors, case, send, owner=actors.alice)


def test_a_providers_tus_upload_refuses_or_flags_each_bad_file(
    provider_client, actors, upload_settings
):
    provider, case = provider_client
    tus = TusClient(provider, reverse("records:provider-tus-create"))

    def send(bad: BadFile):
        response = _request(tus, "upload", bad.name, bad.content)
        return response.status_code, response.content.decode()

    _run(actors, case, send, owner=actors.alice, tus=True)
