"""The registry of email kinds the outbox can send: kind → how to compose it.

The notifications app knows no domain app. Each app registers its kinds in its AppConfig.ready:
a compose function that, given the outbox row, renders the email with `emails.render_email`
(or returns None when the email no longer has a reason to go), and optionally what to note once
it is sent.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .emails import RenderedEmail


@dataclass(frozen=True)
class EmailKind:
    compose: Callable[..., RenderedEmail | None]
    after_sent: Callable[..., None] | None = None


_kinds: dict[str, EmailKind] = {}


def register_email_kind(
    kind: str,
    *,
    compose: Callable[..., RenderedEmail | None],
    after_sent: Callable[..., None] | None = None,
) -> None:
    """Teach the outbox to send `kind`. Registering a kind twice with another function is a
    programming error (two apps claiming one kind)."""
    entry = EmailKind(compose=compose, after_sent=after_sent)
    if _kinds.get(kind, entry) != entry:
        raise ValueError(f"Email kind {kind!r} is registered already")
    _kinds[kind] = entry


def email_kind(kind: str) -> EmailKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise ValueError(f"Unknown email kind {kind!r}") from None
