"""manage.py purge: retention run for booking data and every casework record type (periods set
by the administrator on the retention page, records under legal hold kept); prints the protocol
(counts only).

`manage.py run_worker` runs the purge once a day by itself (nara/core/maintenance.py); this
command runs it by hand. Retention periods: NARA_BOOKING_RETENTION_DAYS,
NARA_QUESTION_RETENTION_DAYS.
"""

from django.core.management.base import BaseCommand

from nara.core.actions.retention import do_purge


class Command(BaseCommand):
    help = (
        "Purge old booking data and casework past its retention period (legal hold kept) "
        "and write a protocol with counts only."
    )

    def handle(self, *args, **options):
        protocol = do_purge()
        summary = ", ".join(f"{name} {count}" for name, count in protocol.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Purge protocol {protocol.pk} (before {protocol.cutoff:%Y-%m-%d}): {summary}."
            )
        )
