"""manage.py grant_app_role ROLE: let a non-owner PostgreSQL role run Nära (run after migrate).

Run it as the owning role that runs migrate; then start the application as ROLE. ROLE may use
every table but cannot change, delete or truncate the audit trail, nor disable its triggers.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from nara.core.pg_roles import app_role_grants


class Command(BaseCommand):
    help = (
        "Grant a PostgreSQL role what the application needs, without rights over the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("role")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL.")
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in app_role_grants(role, connection.ops.quote_name):
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(f"{role} may run Nära; it cannot rewrite the audit trail.")
        )
