"""manage.py create_admin USERNAME: the first administrator (asks for a password).

The account must set up its second factor (TOTP) at its first sign-in at /staff/.
"""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nara.core.actions.staff import do_create_staff_user
from nara.core.models import Role


class Command(BaseCommand):
    help = "Create an administrator account; TOTP is set up at the first sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password-file", help="read the password from this file")

    def handle(self, *args, username, password_file=None, **options):
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"The username {username!r} is taken.")
        password = self._password(password_file)
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        do_create_staff_user(
            actor="create_admin",
            username=username,
            password=password,
            roles=[(Role.ADMINISTRATOR, None, None)],
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Administrator {username} created. Sign in at /staff/ and set up two-step sign-in."
            )
        )

    def _password(self, password_file):
        if password_file:
            with open(password_file, encoding="utf-8") as handle:
                return handle.read().strip()
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
