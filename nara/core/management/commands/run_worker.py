"""manage.py run_worker: the background worker (reminders, planning scenarios, other tasks)."""

import logging
import signal
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from nara.api import webhooks
from nara.core import maintenance, reminders
from nara.planning import tasks as planning_tasks

logger = logging.getLogger("nara.worker")


class Command(BaseCommand):
    help = """Run background work: the django-tasks database worker (django_tasks_db's
    `db_worker`) plus reminder recovery and the daily maintenance.

    Recovery runs at start and every --recovery-interval seconds (default 60) in a thread of this
    process: reminders whose worker died while sending (lease NARA_REMINDER_LEASE_SECONDS passed)
    and overdue reminders without a queued task are put back on the queue; so are the partner
    API's webhook deliveries (nara/api/webhooks.py). Delivery stays
    exactly-once however many workers run: each reminder is claimed with a conditional UPDATE.

    Daily maintenance (nara/core/maintenance.py) is checked at start and every
    --maintenance-interval seconds (default 300): once per day, whichever worker claims the
    day's row first publishes every rule's bookable times up to NARA_BOOKING_HORIZON_DAYS ahead
    and runs the purge (`manage.py purge`); the other workers skip it.

    Planning scenarios saved on the staff pages are computed here too (nara/planning/tasks.py):
    each is claimed under a row lock, so however many workers run, each is solved once.

    Run one or more per installation (e.g. a systemd service with Restart=always). SIGTERM or
    SIGINT stops cleanly: an idle worker exits at once; a busy one finishes the message in hand,
    then exits (a second signal aborts it; recovery resends later with the same idempotency key).
    Prune old finished task rows now and then with `manage.py prune_db_task_results`.

    System checks are skipped for a fast restart; run `manage.py check --deploy` when deploying."""

    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between polls of the queue when it is empty (default: 1).",
        )
        parser.add_argument(
            "--recovery-interval",
            type=float,
            default=60.0,
            help="Seconds between reminder recovery runs (default: 60).",
        )
        parser.add_argument(
            "--maintenance-interval",
            type=float,
            default=300.0,
            help="Seconds between checks whether today's maintenance has run (default: 300).",
        )
        parser.add_argument(
            "--queue-name",
            default="default",
            help="Queues to process, comma-separated, '*' for all (default: 'default').",
        )
        parser.add_argument(
            "--worker-id",
            default=None,
            help="A unique id for this worker (default: generated).",
        )
        parser.add_argument(
            "--no-startup-delay",
            action="store_true",
            help="Do not wait a random fraction of a second before the first poll.",
        )

    def handle(self, *args, **options):
        # Until db_worker installs its own handlers: stop quietly (nothing is claimed yet).
        signal.signal(signal.SIGTERM, _exit_now)
        errors, warnings = reminders.configuration_problems()
        warnings = [*warnings, *planning_tasks.configuration_problems()]
        for warning in warnings:
            self.stderr.write(f"Warning: {warning}")
        if errors:
            raise CommandError(" ".join(errors))

        stop = threading.Event()
        loops = [
            _start_loop(stop, reminders.recover_stale_reminders, options["recovery_interval"]),
            _start_loop(stop, webhooks.recover_stale_deliveries, options["recovery_interval"]),
            _start_loop(stop, maintenance.run_daily, options["maintenance_interval"]),
        ]
        self.stdout.write(
            f"Worker started: queue {options['queue_name']!r}, "
            f"reminder recovery every {options['recovery_interval']:g} s, "
            f"daily maintenance checked every {options['maintenance_interval']:g} s.",
        )
        self.stdout.flush()
        worker_options = {
            "queue_name": options["queue_name"],
            "interval": options["interval"],
            "reload": False,  # a reloader would fork a child without the recovery thread
            "verbosity": options["verbosity"],
            "startup_delay": not options["no_startup_delay"],
        }
        if options["worker_id"]:
            worker_options["worker_id"] = options["worker_id"]
        try:
            # db_worker installs the SIGTERM/SIGINT/SIGQUIT handlers and runs until told to stop.
            call_command("db_worker", **worker_options)
        finally:
            stop.set()
            for loop in loops:
                loop.join(timeout=10)
            self.stdout.write("Worker stopped.")
            self.stdout.flush()


def _exit_now(signum, frame):
    sys.exit(0)


def _start_loop(stop, work, interval):
    thread = threading.Thread(
        target=_loop,
        args=(stop, work, interval),
        name=work.__name__,
        daemon=True,  # never keeps the process alive after the worker loop ends
    )
    thread.start()
    return thread


def _loop(stop, work, interval):
    while not stop.is_set():
        try:
            work()
        except Exception as exc:  # keep the worker alive; the next run tries again
            logger.error("%s failed: %s", work.__name__, type(exc).__name__)
        finally:
            connections.close_all()  # this thread's connections only
        stop.wait(interval)
