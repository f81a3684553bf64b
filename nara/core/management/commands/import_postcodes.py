"""manage.py import_postcodes FILE: postcodes for areas, from area codes or from points."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from nara.core.actions.areas import ImportFailed
from nara.core.actions.postcodes import do_import_postcodes
from nara.core.models import Area, Municipality


class Command(BaseCommand):
    help = (
        "Import postcodes for a municipality's areas from a CSV (UTF-8 or Windows-1252, comma "
        "or semicolon) with the columns postcode,area_code[,share], or postcode,lon,lat "
        "(WGS84; one point per postcode or many address points per postcode), or a GeoNames "
        "postal-code file (SE.txt). Points are placed in areas by point-in-polygon; a postcode "
        "whose points fall in several areas keeps them all with their shares. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True, help="municipality code")
        parser.add_argument(
            "--kind",
            choices=Area.Kind.values,
            default=None,
            help="kind of area to map to (default: the kind the municipality's catchments "
            "use, else the one with most areas)",
        )
        parser.add_argument(
            "--move",
            action="store_true",
            help="move postcodes that belong to another municipality's areas here",
        )
        parser.add_argument("--dry-run", action="store_true", help="show, change nothing")

    @translation.override("en")  # one language: the command's own messages are English
    def handle(self, *args, file, municipality, kind, move, dry_run, **options):
        target = Municipality.objects.filter(code=municipality).first()
        if target is None:
            raise CommandError(f"No municipality with code {municipality}; import areas first.")
        try:
            with open(file, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            result = do_import_postcodes(
                actor="import_postcodes",
                municipality=target,
                content=content,
                kind=kind,
                move=move,
                dry_run=dry_run,
            )
        except ImportFailed as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        spanning = sum(len(shares) > 1 for shares in result.postcodes.values())
        points = f" from {result.points} points ({result.outside} outside the areas)"
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Dry run, nothing saved: ' if dry_run else ''}{len(result.postcodes)} "
                f"postcodes {'would be ' if dry_run else ''}imported"
                f"{points if result.points else ''}; {spanning} span several areas."
            )
        )
