"""manage.py verify_audit: check the audit trail's hash chain; non-zero exit on a broken link."""

from django.core.management.base import BaseCommand, CommandError

from nara.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident audit trail and report the first broken link."

    def handle(self, *args, **options):
        checked, broken_id, why = verify_chain()
        if broken_id is not None:
            raise CommandError(f"Audit trail broken at entry {broken_id}: {why}.")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} entries verified."))
