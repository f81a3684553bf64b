"""manage.py rotate_keys: re-encrypt every encrypted field under the first NARA_FIELD_KEYS key.

Procedure (docs/operations.md): put the new key first in NARA_FIELD_KEYS and keep the old ones
after it, restart, run this command (resumable), then drop the old keys once it reports done.
"""

from django.core.management.base import BaseCommand, CommandError

from nara.core.actions.keys import KeyRotationError, do_rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields and recompute look-up hashes under the current field key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        try:
            report = do_rotate_keys(batch_size=batch_size)
        except KeyRotationError as error:
            raise CommandError(
                f"{error}. Rows before it are done; run again after fixing."
            ) from None
        for label, count in report.rows.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
        left = {label: n for label, n in report.hashes_left.items() if n}
        if left:
            self.stdout.write(
                "Codes and private links of these rows keep their old-key hash (they are never "
                "stored, so cannot be re-hashed); keep the old key listed until they expire: "
                + ", ".join(f"{label} {n}" for label, n in left.items())
            )
        self.stdout.write(self.style.SUCCESS("Done: every encrypted field uses the first key."))
