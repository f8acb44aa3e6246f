"""Creating, checking and revoking personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.utils import timezone

from koers.api.models import ApiToken

PREFIX = "kt_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the record and the token text (shown once)."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:80], prefix=raw[:10], key_hash=_hash(raw))
    return token, raw


def token_user(raw: str) -> Any | None:
    """The active user behind a token, or None; records when the token was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def token_revoke(*, user: Any, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
