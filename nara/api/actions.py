"""The administrator's actions on partner API tokens and webhooks, and the audit of the API's
reads. Each in one transaction with its audit entry; no token or secret ever goes into the
trail (only ids, names, scopes and dates)."""

import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit, crypto
from nara.core.models import Membership, Role

from . import tokens
from .models import ApiToken, PartnerApiAccount, Scope


class ApiSettingRefused(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def max_token_days():
    return int(getattr(settings, "NARA_API_TOKEN_MAX_DAYS", 365))


def ensure_account(partner):
    """The organisation's API account: one partner-user role, no password, never signs in."""
    account = PartnerApiAccount.objects.filter(partner=partner).first()
    if account is not None:
        return account
    user = get_user_model().objects.create(
        username=f"api:partner-{partner.pk}",
        first_name=partner.name[:150],
        last_name="(API)",
        is_staff=False,
        is_active=False,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, role=Role.PARTNER_USER, partner=partner)
    return PartnerApiAccount.objects.create(partner=partner, user=user)


def do_issue_token(*, actor, partner, name, scopes, expires_on):
    """A new token for `partner`; returns (ApiToken, the token in clear — shown once)."""
    scopes = sorted(set(scopes))
    if not scopes or set(scopes) - set(Scope.values):
        raise ApiSettingRefused(_("Choose what the token may do."), "scopes")
    today = timezone.localdate()
    if expires_on <= today or expires_on > today + dt.timedelta(days=max_token_days()):
        raise ApiSettingRefused(
            _("Choose a date after today and at most %(days)d days ahead.")
            % {"days": max_token_days()},
            "expires_on",
        )
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on, dt.time(23, 59, 59)))
    with transaction.atomic():
        account = ensure_account(partner)
        prefix, raw, secret_hash = tokens.new_token()
        token = ApiToken.objects.create(
            partner=partner,
            name=name.strip(),
            prefix=prefix,
            secret_hash=secret_hash,
            scopes=scopes,
            expires_at=expires_at,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="api_token.issue",
            obj=token,
            changes={
                "partner": [None, partner.pk],
                "account": [None, account.user_id],
                "scopes": [None, scopes],
                "expires_at": [None, expires_at.isoformat()],
            },
        )
    return token, raw


def do_revoke_token(*, actor, token):
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor,
            action="api_token.revoke",
            obj=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        )
    return token


def check_webhook_url(url):
    """https only; plain http to this machine only in development mode."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme == "https" and parts.hostname:
        return
    if local and settings.DEV_MODE:
        return
    raise ApiSettingRefused(
        _("The address must start with https:// (and name a server)."), "webhook_url"
    )


def do_set_webhook(*, actor, partner, url, enabled, new_secret=False):
    """Set the organisation's notification address; returns the new secret in clear when one
    was made (the first time, or when asked), else "". Shown once, stored encrypted."""
    url = url.strip()
    if url:
        check_webhook_url(url)
    elif enabled:
        raise ApiSettingRefused(_("Give the address notifications are sent to."), "webhook_url")
    with transaction.atomic():
        account = ensure_account(partner)
        account = PartnerApiAccount.objects.select_for_update().get(pk=account.pk)
        secret = ""
        if new_secret or (url and not account.webhook_secret_encrypted):
            secret = secrets.token_urlsafe(32)
            account.webhook_secret_encrypted = crypto.encrypt(secret)
        before = {"url": account.webhook_url, "enabled": account.webhook_enabled}
        account.webhook_url, account.webhook_enabled = url, enabled and bool(url)
        account.save()
        changes = audit.field_changes(
            before, {"url": account.webhook_url, "enabled": account.webhook_enabled}
        )
        if secret:
            changes["secret"] = [None, "new"]
        audit.record(actor=actor, action="api_webhook.set", obj=account, changes=changes)
    return secret


def record_api_read(*, actor, action, referral=None, changes=None):
    """A read through the API, audited like a portal action (the actor names the token)."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            obj=referral,
            center_id=getattr(referral, "center_id", None),
            person_id=getattr(referral, "person_id", None),
            changes=changes,
        )
