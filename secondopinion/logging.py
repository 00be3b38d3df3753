"""Log redaction: no log line carries a link's secret or what someone searched for.

Paths are logged by runserver (`django.server`), by Django's 404 and error warnings
(`django.request`) and by gunicorn's access log, and a path can hold a live bearer token (a
provider's upload link, a report share, a referral or invitation link, a password reset or email
confirmation key) or a search term (`?q=Alice`). `RedactSecrets` (a logging filter on every
handler in settings.LOGGING) and `GunicornLogger` (gunicorn.conf.py) rewrite each such path: every
query-string value becomes `[redacted]`, and so does every path segment that the URLconf captures
under a secret name (a converter or group called `token`, `key` or `uidb36`), wherever the URL
appears in the line (request line, referrer, "Not Found: ..." message).
"""

import functools
import logging
import re
from urllib.parse import unquote

from gunicorn.glogging import Logger as _GunicornLogger

REDACTED = "[redacted]"
# Names under which the URLconf captures a secret from a path: our own <str:token> links, and
# allauth's password reset (<uidb36>-<key>) and email confirmation (<key>) links.
SECRET_PARAMETERS = frozenset({"token", "key", "uidb36"})

# A URL or a path as it appears in a log line: optionally a scheme and host, then /..., up to
# whitespace or a quote.
_URL = re.compile(r"""(?P<origin>https?://[^\s/"'<>]+)?(?P<path>/[^\s"'<>]*)""")
_QUERY_VALUE = re.compile(r"=[^&;#]*")


def redact_query(query: str) -> str:
    """`q=Alice&page=2` -> `q=[redacted]&page=[redacted]` (the names stay: they say what was
    asked for, not about whom)."""
    return _QUERY_VALUE.sub("=" + REDACTED, query)


def redact_text(text: str) -> str:
    """`text` with every URL's query values and secret path segments replaced by [redacted]."""
    if "/" not in text:
        return text
    return _URL.sub(_redact_url, text)


def _redact_url(match: re.Match) -> str:
    url_path, separator, rest = match["path"].partition("?")
    query, hash_sign, fragment = rest.partition("#")
    if not separator:
        url_path, hash_sign, fragment = url_path.partition("#")
    redacted = _redact_path(url_path)
    if separator:
        redacted += "?" + redact_query(query)
    if hash_sign:
        redacted += "#" + fragment
    return (match["origin"] or "") + redacted


def _redact_path(path: str) -> str:
    plain = unquote(path)
    for pattern in secret_path_patterns():
        found = pattern.match(plain)
        if found:
            spans = [found.span(name) for name in pattern.groupindex if name in SECRET_PARAMETERS]
            for start, end in sorted(spans, reverse=True):
                if start >= 0:
                    plain = plain[:start] + REDACTED + plain[end:]
            return plain
    return path


@functools.cache
def secret_path_patterns() -> tuple[re.Pattern, ...]:
    """From the URLconf: for each route that captures a secret, a regex matching the start of a
    path up to (and including) its last secret part, so that `/refer/<token>`, `/refer/<token>/`
    and `/refer/<token>/anything` are all caught. Empty until Django is set up (gunicorn's
    master process logs before it loads the application)."""
    try:
        from django.urls import URLPattern, URLResolver, get_resolver

        resolver = get_resolver()
        resolver.url_patterns  # noqa: B018  (imports the URLconf, or raises when not set up)
    except Exception:  # no Django here (gunicorn's master): query strings are still redacted
        secret_path_patterns.cache_clear()
        return ()

    def walk(patterns, prefix: str):
        for entry in patterns:
            regex = _bare(entry.pattern.regex.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + regex)
            elif isinstance(entry, URLPattern):
                yield prefix + regex

    found = []
    for regex in walk(resolver.url_patterns, ""):
        compiled = re.compile(regex)
        secret_groups = [name for name in compiled.groupindex if name in SECRET_PARAMETERS]
        if secret_groups:
            end = _end_of_group(regex, max(compiled.groupindex[n] for n in secret_groups))
            # Any case: /CASES/SHARED/<token> is a 404, but its token is nearly the real one.
            found.append(re.compile("/" + regex[:end], re.IGNORECASE))
    # Longest first, so that a more specific route wins over a shorter one.
    return tuple(sorted(set(found), key=lambda p: len(p.pattern), reverse=True))


def _bare(regex: str) -> str:
    """A route's regex without its anchors, to join it to its include()'s prefix."""
    regex = regex.removeprefix("^")
    for anchor in (r"\Z", "$"):
        regex = regex.removesuffix(anchor)
    return regex


def _end_of_group(regex: str, number: int) -> int:
    """The index just after the closing parenthesis of capture group `number` in `regex`."""
    stack, count, index = [], 0, 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":  # a character class: its parentheses are not groups
            index = regex.index(
                "]", index + 2 if regex[index + 1 : index + 2] == "]" else index + 1
            )
        elif char == "(":
            capturing = not regex.startswith("(?", index) or regex.startswith("(?P<", index)
            if capturing:
                count += 1
            stack.append(count if capturing else None)
        elif char == ")" and stack.pop() == number:
            return index + 1
        index += 1
    return len(regex)


class RedactSecrets(logging.Filter):
    """A handler filter: formats the record's message once, redacted, so that no handler (console,
    file, mail, or pytest's capture after it) sees the secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging's own error to report, not ours
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class WithoutDocumentText(logging.Filter):
    """A logger filter for WeasyPrint, whose warnings quote the document they render (a glyph no
    font has, from the patient's name): the warning is kept, what it quotes is not."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:  # each placeholder (text, or a code point that spells it) becomes "…"
            record.msg, record.args = _PLACEHOLDER.sub("…", str(record.msg)), None
        return True


_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with the same redaction on the access log's every field (request line,
    path, query string, referrer, headers and environ) and on the error log."""

    _QUERY_ATOMS = frozenset({"q", "{query_string}e"})

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                    handler.addFilter(RedactSecrets())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = (
                    redact_query(value) if name in self._QUERY_ATOMS else redact_text(value)
                )
        return atoms
