"""Webhooks to a real HTTP server on this machine: signed, only the id and the status, delivered
exactly once per status change, retried with backoff, given up after the last attempt."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nara.api import tasks, webhooks
from nara.api.actions import ApiSettingRefused, do_set_webhook
from nara.api.models import PartnerApiAccount, WebhookDelivery
from nara.core import crypto
from nara.core.actions.referrals import do_set_referral_status
from nara.core.models import AuditEvent
from tests.api.conftest import send_to
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db


class Receiver:
    """A partner's system: records every POST; `answers` scripts the next status codes."""

    def __init__(self):
        self.requests, self.answers = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/nara-hook"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def hooked(school, receiver):
    """The school takes notifications at the receiver; returns the signing secret."""
    return do_set_webhook(actor=user("admin"), partner=school, url=receiver.url, enabled=True)


def queued(delivery):
    return DBTaskResult.objects.filter(
        task_path=tasks.deliver_webhook.module_path,
        args_kwargs__kwargs__delivery_id=delivery.pk,
    )


def test_a_status_change_is_delivered_signed_with_only_id_and_status(
    hooked, receiver, school, home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send_to(school, home)
    delivery = WebhookDelivery.objects.get(referral=referral)
    assert queued(delivery).count() == 1  # on the job queue once the change committed
    assert webhooks.deliver(delivery.pk) == "delivered"

    (request,) = receiver.requests
    assert json.loads(request["body"]) == {"referral": referral.pk, "status": "sent"}
    headers = request["headers"]
    signed = f"{headers['X-Nara-Timestamp']}.".encode() + request["body"]
    expected = hmac.new(hooked.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Nara-Signature"] == f"sha256={expected}"
    assert abs(int(headers["X-Nara-Timestamp"]) - timezone.now().timestamp()) < 60
    assert headers["X-Nara-Delivery"] == delivery.idempotency_key
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.response_status == 204
    assert AuditEvent.objects.filter(action="webhook.delivered").count() == 1


def test_each_status_change_is_delivered_exactly_once(hooked, receiver, school, home):
    referral = send_to(school, home)
    do_set_referral_status(
        actor=user("petra"), referral=referral, status="received", by_partner=True
    )
    deliveries = list(WebhookDelivery.objects.filter(referral=referral).order_by("pk"))
    assert [d.referral_status for d in deliveries] == ["sent", "received"]
    for delivery in deliveries:
        outcomes = [webhooks.deliver(delivery.pk) for _ in range(3)]
        assert outcomes == ["delivered", "skipped (delivered)", "skipped (delivered)"]
    assert [json.loads(r["body"])["status"] for r in receiver.requests] == ["sent", "received"]


def test_a_failure_is_retried_with_backoff_then_given_up(
    hooked, receiver, school, home, settings, django_capture_on_commit_callbacks
):
    settings.NARA_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.answers = [500, 503, 500]
    referral = send_to(school, home)
    delivery = WebhookDelivery.objects.get(referral=referral)
    DBTaskResult.objects.all().delete()
    for attempt in (1, 2):
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            assert webhooks.deliver(delivery.pk) == "retry"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("pending", attempt)
        backoff = (queued(delivery).latest("enqueued_at").run_after - before).total_seconds()
        assert 60 * 2 ** (attempt - 1) <= backoff < 60 * 2 ** (attempt - 1) + 5
        assert webhooks.deliver(delivery.pk) == "early"  # not before its time
        WebhookDelivery.objects.filter(pk=delivery.pk).update(send_at=timezone.now())
    assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 3, 500)
    assert len(receiver.requests) == 3
    assert len({r["headers"]["X-Nara-Delivery"] for r in receiver.requests}) == 1


def test_a_retry_that_succeeds_is_delivered(hooked, receiver, school, home):
    receiver.answers = [502]
    delivery = WebhookDelivery.objects.get(referral=send_to(school, home))
    assert webhooks.deliver(delivery.pk) == "retry"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(send_at=timezone.now())
    assert webhooks.deliver(delivery.pk) == "delivered"
    assert len(receiver.requests) == 2


def test_gone_fails_at_once_and_no_answer_is_retried(hooked, receiver, school, home):
    receiver.answers = [410]
    delivery = WebhookDelivery.objects.get(referral=send_to(school, home))
    assert webhooks.deliver(delivery.pk) == "failed"
    receiver.stop()
    other = WebhookDelivery.objects.get(referral=send_to(school, home))
    assert webhooks.deliver(other.pk) == "retry"
    other.refresh_from_db()
    assert other.last_error.startswith("no answer")


def test_a_held_lease_is_respected_and_a_dead_workers_row_recovered(hooked, receiver, school, home):
    delivery = WebhookDelivery.objects.get(referral=send_to(school, home))
    leased = timezone.now() + dt.timedelta(minutes=5)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempts=1, lease_until=leased
    )
    assert webhooks.deliver(delivery.pk) == "skipped (sending)"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now())
    DBTaskResult.objects.all().delete()
    assert webhooks.recover_stale_deliveries() == 1
    assert queued(delivery).count() == 1
    assert webhooks.deliver(delivery.pk) == "delivered"
    assert len(receiver.requests) == 1


def test_no_webhook_no_delivery_and_switching_off_cancels(hooked, receiver, school, home):
    delivery = WebhookDelivery.objects.get(referral=send_to(school, home))
    do_set_webhook(actor=user("admin"), partner=school, url=receiver.url, enabled=False)
    assert webhooks.deliver(delivery.pk) == "cancelled"
    send_to(school, home)
    assert WebhookDelivery.objects.filter(partner=school).count() == 1
    assert receiver.requests == []


def test_only_https_outside_development(school, settings):
    settings.DEV_MODE = False
    for url in ("http://127.0.0.1:9/x", "http://partner.example/x", "ftp://partner.example/"):
        with pytest.raises(ApiSettingRefused):
            do_set_webhook(actor=user("admin"), partner=school, url=url, enabled=True)
    secret = do_set_webhook(
        actor=user("admin"), partner=school, url="https://partner.example/x", enabled=True
    )
    account = PartnerApiAccount.objects.get(partner=school)
    assert secret and secret not in account.webhook_secret_encrypted
    assert crypto.decrypt(account.webhook_secret_encrypted) == secret
    settings.DEV_MODE = True
    with pytest.raises(ApiSettingRefused):
        do_set_webhook(actor=user("admin"), partner=school, url="http://10.0.0.1/", enabled=True)
