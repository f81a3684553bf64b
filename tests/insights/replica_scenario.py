"""Run by tests/insights/test_replica.py in a separate process, with DATABASE_URL naming a fresh
primary and DATABASE_REPLICA_URL its streaming replica: migrates the primary, records contacts
through the real action and prints, as JSON, what the insights read while the replica's replay
is running, paused and resumed. The test makes the assertions."""

import json
import sys
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from nara.core.actions.contacts import do_register_contact  # noqa: E402
from nara.core.audit import verify_chain  # noqa: E402
from nara.core.demo import build_demo  # noqa: E402
from nara.core.models import AuditEvent, Center, Contact, Service  # noqa: E402
from nara.insights import kpis, rollups_rebuild  # noqa: E402
from nara.insights.db import reporting_alias  # noqa: E402
from nara.insights.models import ContactRollup  # noqa: E402

# Fast hashing for the demo's staff accounts, as in the tests.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def scalar(alias, sql, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def caught_up():
    """Wait until the replica has replayed everything the primary has written so far."""
    lsn = scalar("default", "SELECT pg_current_wal_lsn()")
    wait_for(
        lambda: scalar("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]),
        "the replica to replay the primary's WAL",
    )


def figures():
    return {"contacts": kpis.contacts()["contacts"], "aliases": kpis.reach()["aliases"]}


def on_default():
    """The same figures straight from the primary, by explicit alias."""
    return {
        "contacts": ContactRollup.objects.using("default")
        .filter(topic="")
        .aggregate(n=Sum("contacts"))["n"],
        "aliases": Contact.objects.using("default").exclude(alias=None).count(),
    }


START = time.monotonic()


def mark(what):
    """Progress on stderr, shown by the test when the scenario fails."""
    print(f"{time.monotonic() - START:6.1f}s {what}", file=sys.stderr, flush=True)


def main():
    call_command("migrate", verbosity=0)
    mark("migrated")
    build_demo(seed=2026, activity=False)
    mark("demo")
    centre = Center.objects.filter(kind="centre").order_by("pk").first()
    anna = get_user_model().objects.get(username="anna")
    service = Service.objects.get(slug="samtal")

    def contact(alias_name):
        return do_register_contact(
            actor=anna,
            center=centre,
            service=service,
            channel="drop_in",
            occurred_on=timezone.localdate(),
            alias_name=alias_name,
            topics=["money"],
        )

    contact("Tall-1234")
    caught_up()
    mark("first contact replayed")
    out = {"alias_outside_a_transaction": reporting_alias(), "before": figures()}
    with transaction.atomic():
        out["alias_in_a_transaction"] = reporting_alias()

    scalar("replica", "SELECT pg_wal_replay_pause()::text")
    wait_for(
        lambda: scalar("replica", "SELECT pg_get_wal_replay_pause_state()") == "paused",
        "the replica's replay to pause",
    )
    events = AuditEvent.objects.count()
    contact("Björk-5678")  # a write action while the replica stands still
    rollups_rebuild.rebuild()  # a writer that reads rollup tables (purge marks) in its transaction
    out["audit_events_written"] = AuditEvent.objects.count() - events
    out["audit_chain"] = verify_chain()
    out["paused"] = figures()
    mark("written while paused")
    out["paused_on_default"] = on_default()
    with transaction.atomic():
        out["paused_in_a_transaction"] = figures()
    out["paused_replica_contacts"] = scalar("replica", "SELECT count(*) FROM core_contact")

    scalar("replica", "SELECT pg_wal_replay_resume()::text")
    caught_up()
    out["resumed"] = figures()
    mark("done")
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
