"""The partner API's own records: per-organisation tokens, the organisation's API account and
webhook, and one delivery row per status change a webhook announces.

A partner organisation's system acts through an account of its own (`PartnerApiAccount.user`):
a user that holds exactly one role, partner user at that organisation, has no usable password
and is inactive (no session can ever carry it). The portal's access helpers and the referral
actions then apply to the API unchanged; the audit trail names the account and the token.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core.models import Partner, Referral, ReferralEvent, ReferralStatus


class Scope(models.TextChoices):
    READ = "referrals:read", _("read the referrals addressed to the organisation")
    WRITE = "referrals:write", _("send families to a centre")
    STATUS = "referrals:status", _("move referrals addressed to the organisation along")


class PartnerApiAccount(models.Model):
    """The organisation's account for API calls, and its webhook (optional)."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="api_account")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_api_account"
    )
    webhook_url = models.URLField(_("notification address"), max_length=300, blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    webhook_enabled = models.BooleanField(_("send notifications"), default=False)

    def __str__(self):
        return str(self.partner)


class ApiToken(models.Model):
    """One token: only a keyed hash of its secret is stored; the token is shown once."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("may"), default=list)
    expires_at = models.DateTimeField(_("valid until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        ordering = ["partner__name", "-created_at"]

    def __str__(self):
        return f"{self.partner}: {self.name}"

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()

    def scope_labels(self):
        return [Scope(s).label for s in self.scopes if s in Scope.values]


class PartnerApiActor(get_user_model()):
    """The organisation's account while it acts with one token: the audit trail's label names
    the token too ("api:partner-3 token 7")."""

    class Meta:
        proxy = True

    def get_username(self):
        token_id = getattr(self, "api_token_id", None)
        return f"{self.username} token {token_id}" if token_id else self.username


class WebhookDelivery(models.Model):
    """One notification of one status change: the unit of exactly-once delivery, as a Reminder
    row is for reminders (see nara/api/webhooks.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    event = models.OneToOneField(ReferralEvent, on_delete=models.CASCADE, related_name="+")
    referral_status = models.CharField(max_length=14, choices=ReferralStatus.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    send_at = models.DateTimeField(default=timezone.now, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
