"""Single-use, expiring, revocable links for people without an account (providers, referrers,
invited patients, a patient's own doctor): one scheme for every kind.

A link's token is derived from a random nonce stored on the row and the secret key, with a salt
per kind (`salted_hmac(salt, nonce)`); only the token's SHA-256 is stored to find the row. So the
token is never stored, it can be rebuilt for each email from the nonce, and a database copy alone
cannot rebuild a working link. Each kind names the fields that end a link (used, expired,
revoked) and the errors that tell the visitor why, so its messages stay its own.
"""

import hashlib
import secrets
from dataclasses import dataclass, field

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

# Longer than any token we ever made; anything longer is not a link of ours.
MAX_TOKEN_LENGTH = 128


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LinkKind:
    """One kind of link: its salt (never change it, or links already sent stop working), the
    model fields that end it, and the error raised for each way it can fail."""

    salt: str
    not_found: type[Exception]
    used_field: str | None = None
    expires_field: str | None = None
    revoked_field: str | None = None
    errors: dict[str, type[Exception]] = field(default_factory=dict)

    def token(self, nonce: str) -> str:
        """The token a row's nonce gives (rebuilt for each email; never stored)."""
        return salted_hmac(self.salt, nonce, algorithm="sha256").hexdigest()

    def new(self) -> tuple[str, str]:
        """A fresh (nonce, token_hash): store both on the row; a new pair revokes the old link."""
        nonce = secrets.token_hex(32)
        return nonce, hash_token(self.token(nonce))

    def find(self, queryset: QuerySet, token: str):
        """The row `token` names, or raise this kind's error: not found (also for a malformed
        token), revoked, used, or expired, checked in that order."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise self.not_found
        token_hash = hash_token(token)
        row = queryset.filter(token_hash=token_hash).first()
        if row is None or not constant_time_compare(row.token_hash, token_hash):
            raise self.not_found
        self.check(row)
        return row

    def check(self, row: Model) -> None:
        """Raise this kind's error if `row`'s link is revoked, used or expired (e.g. again after
        locking the row, when two visitors raced)."""
        if self.revoked_field and getattr(row, self.revoked_field) is not None:
            raise self.errors["revoked"]
        if self.used_field and getattr(row, self.used_field) is not None:
            raise self.errors["used"]
        if self.expires_field and getattr(row, self.expires_field) <= timezone.now():
            raise self.errors["expired"]
