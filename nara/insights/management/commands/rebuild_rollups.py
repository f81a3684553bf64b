"""manage.py rebuild_rollups [--from DATE] [--to DATE] [--centre ID …]

Recomputes the insights rollups from the raw rows, in the database (INSERT … SELECT …
GROUP BY), for whole calendar months. Months the retention purge has already thinned out keep
their counts: the rollups hold the statistics of purged rows (see nara/insights/rollups.py).
Run it once after installing or upgrading to the version that brought the rollups.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from nara.insights import followups, rollups, rollups_rebuild


def _date(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "Recompute the insights rollups from the raw rows (whole months)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=str, help="First day (its month).")
        parser.add_argument("--to", dest="end", type=str, help="Last day (its month).")
        parser.add_argument(
            "--centre", dest="centres", type=int, action="append", help="Only this centre's id."
        )

    def handle(self, *args, start=None, end=None, centres=None, **options):
        start = _date(start) if start else None
        end = _date(end) if end else None
        if start and end and start > end:
            raise CommandError("--from is after --to.")
        report = rollups_rebuild.rebuild(start=start, end=end, centers=centres)
        for name, part in report.items():
            first = part["from"].isoformat() if part["from"] else "the beginning"
            last = (part["to"] - dt.timedelta(days=1)).isoformat() if part["to"] else "the end"
            line = f"{name}: {part['rows']} rows from {first} to {last}"
            if part["kept_before"]:
                line += (
                    f"; months before {part['kept_before'].isoformat()} kept as they are "
                    "(their raw rows were purged)"
                )
            self.stdout.write(line)
        since = followups.complete_from()
        updated = followups.refresh(centers=centres, since=since)
        first = f"from {since.isoformat()}" if since else "all"
        self.stdout.write(f"First offers and meetings: {updated} first contacts ({first})")
        tidy()


def tidy():
    """On PostgreSQL: clear the rows the rebuild replaced and refresh the planner's statistics,
    so the insights read half the pages at once instead of after the next autovacuum."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in rollups.ROLLUPS:
            cursor.execute(f"VACUUM (ANALYZE) {q(model._meta.db_table)}")
