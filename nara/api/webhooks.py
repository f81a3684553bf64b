"""Webhooks: a signed notification to a partner's system when a referral addressed to it
changes status. The body is only `{"referral": <id>, "status": "<status>"}`; the partner reads
the rest through the API with its token.

Signature: `X-Nara-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
`X-Nara-Timestamp: <unix seconds>` (the receiver refuses old timestamps against replay) and
`X-Nara-Delivery: <key>` (the same on every attempt of one notification, to drop duplicates).

Exactly once, as reminders (nara/core/reminders.py): each status change makes one
WebhookDelivery row (unique per ReferralEvent) in the transaction of the change; queued tasks
only wake the row. A task claims the row with one conditional UPDATE (pending, or sending with
its lease run out), posts, and marks it delivered with a second conditional UPDATE and its audit
entry. A failure (no answer, or not 2xx) puts the row back to pending with exponential backoff
until NARA_WEBHOOK_MAX_ATTEMPTS, then failed; 410 Gone fails at once. `recover_stale_deliveries`
(run by run_worker) wakes rows whose worker died or whose task was lost.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from nara.core import audit, crypto

from .models import PartnerApiAccount, WebhookDelivery

logger = logging.getLogger(__name__)
ACTOR = "webhooks"
Status = WebhookDelivery.Status


def _setting(name, default):
    return getattr(settings, name, default)


def lease_seconds():
    return int(_setting("NARA_WEBHOOK_LEASE_SECONDS", 120))


def max_attempts():
    return int(_setting("NARA_WEBHOOK_MAX_ATTEMPTS", 8))


def timeout_seconds():
    return float(_setting("NARA_WEBHOOK_TIMEOUT_SECONDS", 10))


def retry_delay(attempts):
    base = float(_setting("NARA_WEBHOOK_RETRY_SECONDS", 60))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def body_for(delivery):
    return json.dumps(
        {"referral": delivery.referral_id, "status": delivery.referral_status},
        separators=(",", ":"),
    ).encode()


def signature(secret, timestamp, body):
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# Scheduling (inside the action's transaction) -----------------------------------------------


def announce_status_change(*, referral, event):
    """Called by the referral actions for every status event of a referral addressed to a
    partner: one delivery row if the partner takes notifications, queued after commit."""
    account = PartnerApiAccount.objects.filter(
        partner_id=referral.partner_id, webhook_enabled=True
    ).first()
    if account is None or not account.webhook_url:
        return None
    delivery = WebhookDelivery.objects.create(
        partner_id=referral.partner_id,
        referral=referral,
        event=event,
        referral_status=event.status,
        idempotency_key=uuid.uuid4().hex,
    )
    _enqueue_after_commit([(delivery.pk, delivery.send_at)])
    return delivery


def _enqueue_after_commit(pairs):
    from . import tasks

    pairs = list(pairs)

    def enqueue_all():
        for delivery_id, run_after in pairs:
            tasks.enqueue_delivery(delivery_id, run_after=run_after)

    if pairs:
        transaction.on_commit(enqueue_all, robust=True)


# Dispatch -----------------------------------------------------------------------------------


def deliver(delivery_id):
    """Post one notification if this call wins the claim. Returns a short outcome."""
    now = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(status=Status.SENDING, lease_until__lt=now)
    claimed = WebhookDelivery.objects.filter(
        claimable, pk=delivery_id, send_at__lte=now, attempts__lt=max_attempts()
    ).update(
        status=Status.SENDING,
        lease_until=now + dt.timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return _not_claimed(delivery_id, now)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"
    account = PartnerApiAccount.objects.filter(partner_id=delivery.partner_id).first()
    if account is None or not account.webhook_enabled or not account.webhook_url:
        _finish(delivery, Status.CANCELLED, action="webhook.cancelled", error="switched off")
        return "cancelled"
    try:
        answer = _post(account, delivery)
    except requests.RequestException as exc:
        return _after_failure(delivery, f"no answer ({type(exc).__name__})", permanent=False)
    except Exception as exc:  # a bug or misconfiguration: never log content
        logger.error("Webhook %s: internal error %s", delivery.pk, type(exc).__name__)
        return _after_failure(delivery, f"internal error ({type(exc).__name__})", permanent=False)
    if 200 <= answer < 300:
        _finish(delivery, Status.DELIVERED, action="webhook.delivered", answer=answer)
        return "delivered"
    return _after_failure(delivery, f"answered {answer}", permanent=answer == 410, answer=answer)


def _post(account, delivery):
    body = body_for(delivery)
    timestamp = str(int(time.time()))
    secret = crypto.decrypt(account.webhook_secret_encrypted)
    response = requests.post(
        account.webhook_url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Nara-Webhook/1",
            "X-Nara-Timestamp": timestamp,
            "X-Nara-Signature": signature(secret, timestamp, body),
            "X-Nara-Delivery": delivery.idempotency_key,
        },
        timeout=timeout_seconds(),
        allow_redirects=False,
    )
    response.close()
    return response.status_code


def _changes(delivery, **extra):
    return {
        "referral": delivery.referral_id,
        "status": delivery.referral_status,
        "attempt": delivery.attempts,
        **extra,
    }


def _finish(delivery, status, *, action, error="", answer=None):
    now = timezone.now()
    fields = {"status": status, "lease_until": None, "last_error": error[:200]}
    if answer is not None:
        fields["response_status"] = answer
    if status == Status.DELIVERED:
        fields["delivered_at"] = now
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts
        ).update(**fields)
        if updated or status == Status.DELIVERED:
            extra = {"answer": answer} if answer is not None else {}
            if error:
                extra["reason"] = error[:200]
            audit.record(
                actor=ACTOR,
                action=action,
                obj=delivery,
                center_id=None,
                changes=_changes(delivery, **extra),
            )
    if not updated:
        logger.warning("Webhook %s: lease lost before it could be marked %s", delivery.pk, status)
    return updated


def _after_failure(delivery, error, *, permanent, answer=None):
    if permanent or delivery.attempts >= max_attempts():
        _finish(delivery, Status.FAILED, action="webhook.failed", error=error, answer=answer)
        return "failed"
    delay = retry_delay(delivery.attempts)
    run_after = timezone.now() + delay
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts
        ).update(
            status=Status.PENDING,
            lease_until=None,
            send_at=run_after,
            last_error=error[:200],
            response_status=answer,
        )
        if updated:
            audit.record(
                actor=ACTOR,
                action="webhook.retry",
                obj=delivery,
                center_id=None,
                changes=_changes(
                    delivery, reason=error[:200], retry_in_seconds=int(delay.total_seconds())
                ),
            )
            _enqueue_after_commit([(delivery.pk, run_after)])
    return "retry"


def _not_claimed(delivery_id, now):
    row = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if row is None:
        return "gone"
    if row.status == Status.PENDING and row.send_at > now:
        _enqueue_after_commit([(row.pk, row.send_at)])  # woken too early: sleep on
        return "early"
    lease_over = row.lease_until is None or row.lease_until < now
    waiting = row.status == Status.PENDING or (row.status == Status.SENDING and lease_over)
    if waiting and row.attempts >= max_attempts():
        with transaction.atomic():
            updated = WebhookDelivery.objects.filter(
                pk=row.pk, status=row.status, attempts=row.attempts, lease_until=row.lease_until
            ).update(status=Status.FAILED, lease_until=None, last_error="gave up")
            if updated:
                audit.record(
                    actor=ACTOR,
                    action="webhook.failed",
                    obj=row,
                    center_id=None,
                    changes=_changes(row, reason="gave up"),
                )
        return "failed"
    return f"skipped ({row.status})"


def recover_stale_deliveries(*, now=None, limit=1000):
    """Wake deliveries nobody works on: sending with an expired lease, or pending and overdue
    without a live task. A surplus task finds the row taken and does nothing."""
    from . import tasks

    now = now or timezone.now()
    grace = dt.timedelta(seconds=float(_setting("NARA_REMINDER_RECOVERY_GRACE_SECONDS", 30)))
    stale = Q(status=Status.SENDING, lease_until__lt=now) | Q(
        status=Status.PENDING, send_at__lte=now - grace
    )
    with transaction.atomic():
        candidates = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(stale)
            .order_by("send_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not candidates:
            return 0
        live = tasks.deliveries_with_live_task(
            candidates, started_after=now - dt.timedelta(seconds=lease_seconds())
        )
        orphans = [pk for pk in candidates if pk not in live]
        for pk in orphans:
            tasks.enqueue_delivery(pk, run_after=now)
    if orphans:
        logger.warning(
            "Re-enqueued %d webhook delivery(ies) that no worker was handling", len(orphans)
        )
    return len(orphans)
