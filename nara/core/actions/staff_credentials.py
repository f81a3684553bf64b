"""Staff credentials: one-time enrolment links, second factor, password change and reset.

Tokens are shown once and stored only as a SHA-256 hash; they never reach the audit trail.
The account holder is told by e-mail (when they have an address) about changes they did not
make themselves on this device.
"""

import datetime as dt
import hashlib
import logging
import secrets

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from nara.core import audit
from nara.core.models import CENTRE_ROLES, EnrolmentLink, Membership
from nara.lib import messaging

from .staff import profile_of

ENROLMENT_HOURS = 72
logger = logging.getLogger(__name__)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def do_issue_enrolment_link(*, actor, user):
    """A new one-time link for `user`; earlier unused links stop working. Returns the token."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _expire_links(user)
        link = EnrolmentLink.objects.create(
            user=user,
            token_hash=token_hash(token),
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(hours=ENROLMENT_HOURS),
        )
        audit.record(
            actor=actor,
            action="user.enrolment_link",
            obj=user,
            changes={"link": link.pk},
            flags=_enrolment_flags(user),
        )
    return token


def _enrolment_flags(user):
    """An administrator hands over the link of an account that will read people's records:
    whoever opens it gets that access, so log review sees both ends (and their addresses)."""
    casework = Membership.objects.filter(user=user, role__in=CENTRE_ROLES).exists()
    return {"caseworker_enrolment"} if casework else set()


def _expire_links(user):
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user, completed_at=None, expires_at__gt=now).update(
        expires_at=now
    )


def do_open_enrolment_link(*, token):
    """The link for `token` if it is unused and unexpired, now used up; else None."""
    with transaction.atomic():
        link = (
            EnrolmentLink.objects.select_for_update()
            .filter(token_hash=token_hash(token), opened_at=None, expires_at__gt=timezone.now())
            .select_related("user")
            .first()
        )
        if link is None or not link.user.is_active:
            return None
        link.opened_at = timezone.now()
        link.save(update_fields=["opened_at"])
        audit.record(
            actor=link.user,
            action="user.enrolment_opened",
            obj=link.user,
            flags=_enrolment_flags(link.user),
        )
    return link


def do_complete_enrolment(*, link, password):
    with transaction.atomic():
        link = EnrolmentLink.objects.select_for_update().get(pk=link.pk)
        if link.completed_at is not None or link.expires_at <= timezone.now():
            raise ValueError("link")
        user = link.user
        user.set_password(password)
        user.save(update_fields=["password"])
        link.completed_at = timezone.now()
        link.save(update_fields=["completed_at"])
        audit.record(actor=user, action="user.enrolment_password", obj=user)
    return user


def do_confirm_second_factor(*, user, device):
    """Confirm the device set up in this session; any other unconfirmed device goes."""
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise ValueError("already")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit.record(actor=user, action="user.second_factor", obj=user)


def do_change_password(*, user, password):
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor=user, action="user.password_change", obj=user)
        notify_on_commit(user, _("Your Nära password was changed"), _PASSWORD_CHANGED)


def do_reset_credentials(*, actor, user):
    """Administrator reset: no password, no second factor, every session ended, a new link.

    Returns the enrolment token to hand over."""
    if getattr(actor, "pk", None) == user.pk:
        raise PermissionError("own credentials")
    with transaction.atomic():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).delete()
        profile = profile_of(user)
        profile.session_generation += 1
        profile.save(update_fields=["session_generation"])
        audit.record(
            actor=actor, action="user.credentials_reset", obj=user, flags={"credentials_reset"}
        )
        token = do_issue_enrolment_link(actor=actor, user=user)
        notify_on_commit(user, _("Your Nära sign-in was reset"), _RESET)
    return token


_PASSWORD_CHANGED = _(
    "The password of your Nära staff account was just changed. If it was not you, tell your "
    "administrator at once."
)
_RESET = _(
    "An administrator reset the password and second factor of your Nära staff account. You "
    "will get a new enrolment link from them. If you did not ask for this, tell your manager."
)
ROLES_CHANGED_SUBJECT = _("Your Nära roles were changed")
ROLES_CHANGED = _(
    "The roles of your Nära staff account were changed. If you did not expect this, tell your "
    "manager."
)


def notify_on_commit(user, subject, body):
    if user.email:
        transaction.on_commit(lambda: notify(user, subject, body))


def notify(user, subject, body):
    from nara.core.reminders import gateway_for  # the reminders module imports the models

    with translation.override("sv"):
        message = messaging.Message(
            to=user.email,
            subject=str(subject),
            body=str(body),
            language="sv",
            idempotency_key=f"staff-{user.pk}-{secrets.token_hex(8)}",
        )
    try:
        gateway_for("email").send(message)
    except messaging.GatewayError as error:
        logger.warning("Staff notification not sent: %s", error.safe_message)
