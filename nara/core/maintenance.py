"""Daily maintenance, run by every `manage.py run_worker`: extend bookable times to the horizon
and purge old booking data.

Several workers may run; each checks every few minutes whether today's run is done. The first
to insert today's `DailyRun` row (the date is unique) does the work; the others get an
IntegrityError and do nothing. A run that started but never finished (its worker died) is taken
over after RUN_LEASE by one conditional UPDATE. Both steps are idempotent, so a takeover that
repeats work does no harm: publishing keeps one slot per rule and start time, and the purge
finds nothing left to remove.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from nara.core.actions.booking import do_extend_horizons
from nara.core.actions.retention import do_purge
from nara.core.models import DailyRun

logger = logging.getLogger("nara.worker")
ACTOR = "daily maintenance"
RUN_LEASE = dt.timedelta(hours=1)


def claim(today, now):
    """True if this process may run today's maintenance (exactly one caller gets True)."""
    try:
        with transaction.atomic():
            DailyRun.objects.create(date=today, started_at=now)
        return True
    except IntegrityError:
        return bool(
            DailyRun.objects.filter(
                date=today, finished_at__isnull=True, started_at__lt=now - RUN_LEASE
            ).update(started_at=now)
        )


def run_daily():
    """Run today's maintenance unless some worker already has. Returns the counts, or None."""
    now, today = timezone.now(), timezone.localdate()
    if not claim(today, now):
        return None
    counts = {"slots_published": do_extend_horizons(actor=ACTOR)}
    counts["purge_protocol"] = do_purge(actor=ACTOR).pk
    DailyRun.objects.filter(date=today).update(finished_at=timezone.now(), counts=counts)
    logger.info("Daily maintenance done: %s", counts)
    return counts
