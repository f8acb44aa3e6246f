"""Creating, checking and revoking personal API tokens.

A token ends when it expires (``KOERS_TOKEN_DAYS``), when it is revoked, when its login
changes password (the token keeps the password state it was made under, as Django's own
sessions do) and when the login is deactivated. A login holds at most
``KOERS_MAX_TOKENS`` tokens that still work."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from koers.api.models import ApiToken

PREFIX = "kt_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def working_tokens(user: Any, now: dt.datetime | None = None) -> QuerySet[ApiToken]:
    """The user's tokens that are neither revoked nor expired nor from an earlier password."""
    now = now or timezone.now()
    return ApiToken.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        user=user,
        revoked_at__isnull=True,
        auth_hash=user.get_session_auth_hash(),
    )


def token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the record and the token text (shown once)."""
    if working_tokens(user).count() >= settings.KOERS_MAX_TOKENS:
        raise ValidationError(
            _("You hold %(n)s working tokens, the most allowed: revoke one first.")
            % {"n": settings.KOERS_MAX_TOKENS}
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=raw[:10],
        key_hash=_hash(raw),
        expires_at=timezone.now() + dt.timedelta(days=settings.KOERS_TOKEN_DAYS),
        auth_hash=user.get_session_auth_hash(),
    )
    return token, raw


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """working, revoked, expired or ended (the login's password changed or it was closed)."""
    now = now or timezone.now()
    if token.revoked_at:
        return "revoked"
    if token.expires_at and token.expires_at <= now:
        return "expired"
    user = token.user
    if not user.is_active or not constant_time_compare(
        token.auth_hash, user.get_session_auth_hash()
    ):
        return "ended"
    return "working"


def token_user(raw: str) -> Any | None:
    """The active user behind a working token, or None; records when it was last used."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or token_state(token) != "working":
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def token_revoke(*, user: Any, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
