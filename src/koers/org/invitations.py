"""An administrator invites a person to a password login from the person's page: Koers makes
the person's login if there is none (no password yet) and e-mails a single-use link to set
one (Django's password-reset token: it stops working once used, when the password changes
and after ``PASSWORD_RESET_TIMEOUT``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from koers.core.audit import audit_change


def may_invite(user: Any) -> bool:
    from koers.org.visibility import Role, role_of

    return role_of(user) == Role.ADMIN


@transaction.atomic
def invite(*, person: Any, by: Any) -> str:
    """Make ``person``'s login when needed and e-mail the link to set a password; returns
    the address it was sent to. ValidationError says why not, changing nothing."""
    if not may_invite(by):
        raise PermissionDenied(_("Only an administrator invites people to log in."))
    if not person.email:
        raise ValidationError(
            _("%(name)s has no e-mail address: add one first.") % {"name": person}
        )
    if person.end_date and person.end_date < timezone.localdate():
        raise ValidationError(_("%(name)s has left: no login is given.") % {"name": person})
    user = person.user or login_for(person)
    if not user.is_active:
        raise ValidationError(_("%(name)s's login is switched off.") % {"name": person})
    link = settings.KOERS_PUBLIC_URL + reverse(
        "password_set",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    days = max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)
    send_mail(
        _("Your login to Koers"),
        _(
            "Hello %(first)s,\n\n%(admin)s invites you to log in to Koers as “%(username)s”. "
            "Choose your password here (the link works once, for %(days)s days):\n\n%(link)s\n"
        )
        % {
            "first": person.first_name,
            "admin": by.get_full_name() or by.get_username(),
            "username": user.get_username(),
            "days": days,
            "link": link,
        },
        None,
        [person.email],
    )
    audit_change(
        actor=by,
        action="invite",
        obj=person,
        before=None,
        after={"login": user.get_username(), "invited": person.email},
    )
    return str(person.email)


@transaction.atomic
def login_for(person: Any) -> Any:
    """A login for ``person`` without a password, named by the e-mail address (an invitation
    sets the password; a company login needs none)."""
    model = get_user_model()
    base = person.email.lower()[:140]
    username = base if not model.objects.filter(username=base).exists() else f"{base}#{person.pk}"
    user = model(
        username=username,
        email=person.email,
        first_name=person.first_name,
        last_name=person.last_name,
    )
    user.set_unusable_password()
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    return user
