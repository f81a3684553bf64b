"""manage.py create_admin USERNAME: the first administrator (asks for a password, or reads it
from --password-file).

The account must set up its second factor (TOTP) at its first sign-in at /staff/.
"""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from nara.core.actions.staff import do_create_staff_user
from nara.core.models import Role


class Command(BaseCommand):
    help = (
        "Create an administrator account; asks for the password (or reads it from "
        "--password-file, UTF-8). TOTP is set up at the first sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password-file", help="read the password from this file (UTF-8)")

    @translation.override("en")  # one language: the command's own messages are English
    def handle(self, *args, username, password_file=None, **options):
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(_("The username %(username)r is taken.") % {"username": username})
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
                _(
                    "Administrator %(username)s created. Sign in at /staff/ and set up two-step "
                    "sign-in."
                )
                % {"username": username}
            )
        )

    def _password(self, password_file):
        if password_file:
            return _read_password_file(password_file)
        try:
            first = getpass.getpass(_("Password: "))
            again = getpass.getpass(_("Password (again): "))
        except EOFError:
            raise CommandError(
                _(
                    "There is no terminal to ask for the password on. Run the command in a "
                    "terminal, or give the password in a file with --password-file FILE."
                )
            ) from None
        if first != again:
            raise CommandError(_("The passwords do not match."))
        return first


def _read_password_file(path):
    try:
        with open(path, encoding="utf-8") as handle:
            password = handle.read().strip()
    except OSError as exc:
        raise CommandError(
            _("Cannot read the password file %(path)s: %(problem)s.")
            % {"path": path, "problem": exc.strerror or exc}
        ) from None
    except UnicodeDecodeError:
        raise CommandError(
            _("The password file %(path)s is not UTF-8 text; save it as UTF-8.") % {"path": path}
        ) from None
    if not password:
        raise CommandError(_("The password file %(path)s is empty.") % {"path": path})
    return password
