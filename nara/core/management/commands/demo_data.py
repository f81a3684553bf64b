"""Generate the fictional example municipality used by `make demo` and the browser tests."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from nara.core.demo import build_demo, delete_demo, demo_logins, demo_workplaces
from nara.core.demo_history import build_history
from nara.core.demo_history import summary as history_summary
from nara.core.models import Municipality
from nara.evaluation.demo import build_demo_outcomes


class Command(BaseCommand):
    help = "Create a fictional, clearly labelled example municipality (deterministic from --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--outside-dev-mode",
            action="store_true",
            help="Build the demo although this is not a development installation (it creates "
            "accounts with published passwords: only on a throwaway database).",
        )
        parser.add_argument(
            "--no-activity",
            action="store_true",
            help="Leave out the bookings, call-backs and questions around today (and the history).",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Leave out the year of past contacts, bookings and referrals at the centres.",
        )
        parser.add_argument(
            "--history-months",
            type=int,
            default=12,
            help="How many months of history before this month (default 12).",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the example municipality and rebuild it."
        )

    def handle(self, *args, seed, reset, outside_dev_mode, no_activity, no_history, **options):
        if not settings.DEV_MODE and not outside_dev_mode:
            raise CommandError(
                "Refusing to build the demo: this is not a development installation "
                "(NARA_DEV_MODE or NARA_DEBUG), and the demo creates an administrator with a "
                "published password. On a throwaway database, add --outside-dev-mode."
            )
        if not 1 <= options["history_months"] <= 36:
            raise CommandError("--history-months is 1 to 36.")
        existing = Municipality.objects.filter(is_example=True)
        if existing.exists() and not reset:
            self.stdout.write("The example municipality already exists (use --reset to rebuild).")
        else:
            with transaction.atomic():
                delete_demo()
                summary = build_demo(seed=seed, activity=not no_activity)
            self.stdout.write(self.style.SUCCESS(summary))
            if not (no_history or no_activity):
                months = options["history_months"]
                counts = build_history(
                    Municipality.objects.get(is_example=True), months=months, seed=seed
                )
                self.stdout.write(self.style.SUCCESS(history_summary(counts, months)))
                outcomes = build_demo_outcomes(Municipality.objects.get(is_example=True))
                self.stdout.write(self.style.SUCCESS(outcomes))
        self.stdout.write(
            "\nStaff logins for the demo (fictional accounts). Sign in at /staff/ with the "
            "password, then the six-digit code from an authenticator app set up with the key:"
        )
        workplaces = demo_workplaces()
        with translation.override("en"):  # role names in the language of this output
            logins = [(u, p, str(role), secret) for u, p, role, secret in demo_logins(seed)]
        for username, password, role, secret in logins:
            self.stdout.write(
                f"  {username:<6} {password:<22} TOTP key {secret}\n"
                f"         {role} at {workplaces.get(username, '?')}"
            )
