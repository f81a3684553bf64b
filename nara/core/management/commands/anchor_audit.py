"""manage.py anchor_audit: write the audit chain's signed head to NARA_AUDIT_ANCHOR_FILE now.

Entries are anchored automatically every NARA_AUDIT_ANCHOR_EVERY entries; run this from a
timer (e.g. hourly) so quiet periods are anchored too. The line also goes to the
`nara.audit.anchor` logger, which can be routed to the system log.
"""

from django.core.management.base import BaseCommand

from nara.core.audit import anchor_now


class Command(BaseCommand):
    help = "Anchor the audit chain's current head outside the database."

    def handle(self, *args, **options):
        last_id = anchor_now()
        self.stdout.write(self.style.SUCCESS(f"Audit chain anchored at entry {last_id}."))
