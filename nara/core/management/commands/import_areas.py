"""manage.py import_areas FILE: read areas from GeoJSON (WGS84 or SWEREF 99 TM)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nara.core.actions.areas import (
    AreaMapping,
    ImportFailed,
    do_import_areas,
    get_or_create_municipality,
)
from nara.core.models import Area


class Command(BaseCommand):
    help = (
        "Import or update areas from a GeoJSON FeatureCollection. The coordinate system is read "
        "from the file's crs member (WGS84 when absent; EPSG:3006 is reprojected). "
        "All or nothing: an error changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True, help="municipality code, e.g. 0581")
        parser.add_argument("--municipality-name", default="")
        parser.add_argument("--kind", choices=Area.Kind.values, default=Area.Kind.DESO)
        parser.add_argument("--code", default="deso", help="property holding the area code")
        parser.add_argument("--name", default=None, help="property holding the name")
        parser.add_argument("--population", default=None)
        parser.add_argument("--population-0-17", dest="children", default=None)
        parser.add_argument(
            "--children-share", default=None, help="property with the share aged 0–17 (0–1)"
        )
        parser.add_argument("--parent", default=None, help="property with a parent area code")
        parser.add_argument(
            "--indicator",
            action="append",
            default=[],
            metavar="PROPERTY[=NAME]",
            help="a need indicator to import (repeatable)",
        )
        parser.add_argument("--indicator-year", type=int, default=None)
        parser.add_argument("--indicator-source", default="")
        parser.add_argument(
            "--mapping", default=None, help="JSON file with the same keys as the options above"
        )

    def handle(self, *args, **options):
        mapping = self._mapping(options)
        try:
            with open(options["file"], encoding="utf-8") as handle:
                collection = json.load(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{options['file']} is not valid GeoJSON: {exc}.") from exc
        try:
            # One transaction: a failed import must not leave the municipality behind either.
            with transaction.atomic():
                municipality = get_or_create_municipality(
                    actor="import_areas",
                    code=options["municipality"],
                    name=options["municipality_name"],
                )
                created, updated = do_import_areas(
                    actor="import_areas",
                    municipality=municipality,
                    collection=collection,
                    mapping=mapping,
                )
        except ImportFailed as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"{municipality.name}: {created} areas created, {updated} updated.")
        )

    def _mapping(self, options):
        values = dict(options)
        if options["mapping"]:
            try:
                with open(options["mapping"], encoding="utf-8") as handle:
                    values.update(json.load(handle))
            except (OSError, json.JSONDecodeError) as exc:
                raise CommandError(f"Cannot read the mapping file: {exc}.") from exc
        indicators = values.get("indicator") or values.get("indicators") or []
        if isinstance(indicators, list):
            indicators = dict(_split_indicator(i) for i in indicators)
        return AreaMapping(
            code=values["code"],
            name=values.get("name"),
            kind=values.get("kind", Area.Kind.DESO),
            population=values.get("population"),
            population_0_17=values.get("children"),
            children_share=values.get("children_share"),
            parent_code=values.get("parent"),
            indicators=indicators,
            indicator_year=values.get("indicator_year"),
            indicator_source=values.get("indicator_source") or "",
        )


def _split_indicator(text):
    prop, _, name = text.partition("=")
    return prop, name or prop
