"""manage.py import_postcodes FILE: read a postcode → area CSV (columns postcode,area_code)."""

from django.core.management.base import BaseCommand, CommandError

from nara.core.actions.areas import ImportFailed, do_import_postcodes
from nara.core.models import Municipality


class Command(BaseCommand):
    help = "Import postcodes for areas from a CSV with the columns postcode,area_code."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True, help="municipality code")

    def handle(self, *args, file, municipality, **options):
        target = Municipality.objects.filter(code=municipality).first()
        if target is None:
            raise CommandError(f"No municipality with code {municipality}; import areas first.")
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                count = do_import_postcodes(
                    actor="import_postcodes", municipality=target, lines=handle
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except ImportFailed as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{count} postcodes imported."))
