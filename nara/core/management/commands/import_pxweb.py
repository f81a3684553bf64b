"""manage.py import_pxweb FILE: join an SCB PxWeb table (JSON, JSON-stat or CSV) to areas."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import ngettext

from nara.core.actions.areas import ImportFailed
from nara.core.actions.pxweb import PxWebOptions, do_import_pxweb
from nara.core.models import Area, Municipality
from nara.lib import pxweb


class Command(BaseCommand):
    help = (
        "Join an SCB PxWeb table (PxWeb JSON, JSON-stat or CSV; UTF-8 or Windows-1252) to a "
        "municipality's areas by region code (0581R001_RegSO2025 joins the area 0581R001). "
        "Without --indicator the table is read as population: residents from the age total "
        "(or the sum of the age groups) and residents aged 0-17 from the age groups. With "
        "--indicator NAME its value becomes that need indicator, with the year and source. "
        "All or nothing; --dry-run shows what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True, help="municipality code, e.g. 0581")
        parser.add_argument(
            "--kind",
            choices=Area.Kind.values,
            default=None,
            help="kind of area the table joins (default: regso for codes like 0581R001, else deso)",
        )
        parser.add_argument("--year", default=None, help="year to read (default: the latest)")
        parser.add_argument("--indicator", default=None, metavar="NAME")
        parser.add_argument(
            "--select",
            action="append",
            default=[],
            metavar="DIMENSION=VALUE",
            help="keep only this value of a dimension, e.g. Kon=1+2 (repeatable)",
        )
        parser.add_argument("--source", default="", help="source (default: from the table)")
        parser.add_argument(
            "--dissolve-from",
            choices=Area.Kind.values,
            default=None,
            help="first build the table's areas by dissolving these finer areas by their "
            "parent code (e.g. --dissolve-from deso for a RegSO table)",
        )
        parser.add_argument(
            "--names", default=None, help="CSV with the columns code,name: readable area names"
        )
        parser.add_argument("--dry-run", action="store_true", help="show, change nothing")

    @translation.override("en")  # one language: the command's own messages are English
    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(
                f"No municipality with code {options['municipality']}; import areas first."
            )
        try:
            table = pxweb.read(_read(options["file"]), options["file"])
            plan = do_import_pxweb(
                actor="import_pxweb",
                municipality=municipality,
                table=table,
                options=PxWebOptions(
                    kind=options["kind"],
                    year=options["year"],
                    indicator=options["indicator"],
                    select=dict(_split(s) for s in options["select"]),
                    source=options["source"],
                    dissolve_from=options["dissolve_from"],
                    names=_read(options["names"]) if options["names"] else None,
                ),
                dry_run=options["dry_run"],
            )
        except (ImportFailed, pxweb.PxWebError) as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        self._report(plan, options["dry_run"])

    def _report(self, plan, dry_run):
        write = self.stdout.write
        prefix = "would be " if dry_run else ""
        if dry_run:
            write("Dry run: nothing is saved.")
        for code in plan.created:
            write(f"  {code}: {prefix}built from its finer areas")
        for change in plan.changes:
            fields = ", ".join(
                f"{name} {_shown(old)} → {_shown(new)}"
                for name, (old, new) in change.fields.items()
            )
            write(f"  {change.code} {change.name}: {fields}")
        for code, old, new in plan.renamed:
            write(f"  {code}: name {old!r} → {new!r}")
        for warning in plan.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write(self.style.SUCCESS(summary(plan, dry_run)))


def summary(plan, dry_run):
    """'regso 2024: 1 area changed, 0 built, 2 renamed; …' in the active language."""
    counts = [
        (len(plan.changes), "changed"),
        (len(plan.created), "built"),
        (len(plan.renamed), "renamed"),
    ]
    parts = [_COUNTED[(what, dry_run)](n) % {"count": n} for n, what in counts]
    extra = []
    if plan.inherited:
        extra.append(_COUNTED[("inherited", dry_run)](plan.inherited) % {"count": plan.inherited})
    if plan.ignored_regions:
        extra.append(
            ngettext(
                "%(count)d region of another municipality or a total skipped",
                "%(count)d regions of other municipalities or totals skipped",
                plan.ignored_regions,
            )
            % {"count": plan.ignored_regions}
        )
    return f"{plan.kind} {plan.year}: " + "; ".join([", ".join(parts), *extra]) + "."


# (what, dry run) → the count in words; every form whole, for the translations.
_COUNTED = {
    ("changed", False): lambda n: ngettext("%(count)d area changed", "%(count)d areas changed", n),
    ("changed", True): lambda n: ngettext(
        "%(count)d area would be changed", "%(count)d areas would be changed", n
    ),
    ("built", False): lambda n: ngettext("%(count)d built", "%(count)d built", n),
    ("built", True): lambda n: ngettext("%(count)d would be built", "%(count)d would be built", n),
    ("renamed", False): lambda n: ngettext("%(count)d renamed", "%(count)d renamed", n),
    ("renamed", True): lambda n: ngettext(
        "%(count)d would be renamed", "%(count)d would be renamed", n
    ),
    ("inherited", False): lambda n: ngettext(
        "%(count)d finer area given its parent's value",
        "%(count)d finer areas given their parent's value",
        n,
    ),
    ("inherited", True): lambda n: ngettext(
        "%(count)d finer area would be given its parent's value",
        "%(count)d finer areas would be given their parent's value",
        n,
    ),
}


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc


def _split(text):
    dimension, sep, value = text.partition("=")
    if not sep:
        raise CommandError(f"--select {text}: write DIMENSION=VALUE, e.g. Kon=1+2.")
    return dimension.strip(), value.strip()


def _shown(value):
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)
