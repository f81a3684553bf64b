"""manage.py plan: place centres or cut catchments from the command line, like the web form."""

import json

from django.core.management.base import BaseCommand, CommandError

from nara.core.models import Municipality
from nara.lib import spreadsheets
from nara.planning import plans, services
from nara.planning.actions import do_create_scenario

MODEL_NAMES = {"pmedian": "pmedian", "mclp": "mclp", "catchments": "catchments"}


class Command(BaseCommand):
    help = (
        "Compute a placement plan: maximal covering (mclp), p-median (pmedian) or capacitated "
        "catchments (catchments) over the areas of a municipality, and print a summary with the "
        "solver's status. Candidates are existing centres (centre:<id>), imported sites "
        "(site:<id>) and area points (area:<code>). Need weights default to 1 for every "
        "indicator. Exits non-zero with a message on bad input; --save stores a scenario."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True, choices=sorted(MODEL_NAMES))
        parser.add_argument("--k", type=int, required=True, help="sites or bases to open")
        parser.add_argument(
            "--distance",
            type=float,
            default=services.DEFAULT_COVERAGE_DISTANCE,
            help="coverage distance in metres (or the travel-time unit); default %(default)s",
        )
        parser.add_argument(
            "--capacity",
            type=float,
            default=None,
            help="capacity per base: residents, a multiple of the average residents per base "
            "(with --capacity-on average, e.g. 1.2) or staff posts (with --capacity-on staff)",
        )
        parser.add_argument("--capacity-on", choices=services.CAPACITY_ON, default="population")
        parser.add_argument("--contiguous", action="store_true", help="connected catchments")
        parser.add_argument("--fixed", nargs="+", default=[], metavar="ID")
        parser.add_argument("--exclude", nargs="+", default=[], metavar="ID")
        parser.add_argument(
            "--weights",
            default=None,
            help="indicator weights, e.g. income=0.3,neet=1 (unnamed indicators are left out); "
            "default: weight 1 for every indicator",
        )
        parser.add_argument(
            "--overlap",
            action="append",
            default=[],
            metavar="NAME=GEOJSON",
            help="add an indicator: each area's share inside the polygons of a GeoJSON file "
            "(e.g. police_vulnerable=police_vulnerable_areas_2025.geojson)",
        )
        parser.add_argument("--staff", type=int, default=0, help="staff posts in total")
        parser.add_argument("--min-posts", type=int, default=0, help="minimum posts per centre")
        parser.add_argument("--cost-per-post", type=float, default=services.DEFAULT_COST_PER_POST)
        parser.add_argument("--cost-per-site", type=float, default=services.DEFAULT_COST_PER_SITE)
        parser.add_argument("--travel-matrix", default=None, metavar="CSV")
        parser.add_argument("--no-centres", action="store_true", help="centres not candidates")
        parser.add_argument("--no-sites", action="store_true", help="imported sites not candidates")
        parser.add_argument("--no-areas", action="store_true", help="area points not candidates")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=None,
            help=f"seconds; default {services.DEFAULT_TIME_LIMIT:g}, capacitated catchments "
            f"{services.DEFAULT_CATCHMENTS_TIME_LIMIT:g}",
        )
        parser.add_argument("--save", default=None, metavar="NAME", help="save as a scenario")
        parser.add_argument("--municipality", default=None, metavar="CODE")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args, **options):
        municipality = self._municipality(options["municipality"])
        try:
            request = self._request(municipality, options)
            results = plans.run_plan(municipality, request)
        except services.PlanInputError as exc:
            raise CommandError(exc.message) from exc
        if options["save"]:
            scenario = do_create_scenario(
                actor="plan",
                municipality=municipality,
                name=options["save"],
                model=request.model,
                parameters=request.parameters(),
                results=results,
            )
            saved = f"Saved as scenario {scenario.pk} ({scenario.name})."
        else:
            saved = ""
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False))
            if saved:  # stdout holds only the JSON
                self.stderr.write(saved)
            return
        self.stdout.write(summary(municipality, request, results))
        if saved:
            self.stdout.write(self.style.SUCCESS(saved))

    def _municipality(self, code):
        municipalities = Municipality.objects.order_by("id")
        if code:
            found = municipalities.filter(code=code).first()
            if found is None:
                raise CommandError(f"There is no municipality with the code {code}.")
            return found
        found = municipalities.filter(areas__isnull=False).distinct().first()
        if found is None:
            raise CommandError("There are no areas yet; import them with import_areas first.")
        return found

    def _request(self, municipality, options):
        extra = self._overlaps(municipality, options["overlap"])
        names = [*services.indicator_names(municipality), *extra]
        weights = (
            services.parse_weights(options["weights"], names)
            if options["weights"]
            else services.default_weights(names)
        )
        return plans.PlanRequest(
            model=MODEL_NAMES[options["model"]],
            k=options["k"],
            coverage_distance=options["distance"],
            capacity=options["capacity"],
            capacity_on=options["capacity_on"],
            contiguous=options["contiguous"],
            fixed=tuple(options["fixed"]),
            excluded=tuple(options["exclude"]),
            weights=weights,
            staff_posts=options["staff"],
            min_posts=options["min_posts"],
            cost_per_post=options["cost_per_post"],
            cost_per_site=options["cost_per_site"],
            include_centres=not options["no_centres"],
            include_sites=not options["no_sites"],
            include_areas=not options["no_areas"],
            travel_matrix=self._read(options["travel_matrix"]),
            travel_matrix_name=options["travel_matrix"] or "",
            time_limit=options["time_limit"] or services.default_time_limit(options["model"]),
            extra_indicators=extra,
        )

    def _overlaps(self, municipality, specs):
        extra = {}
        if not specs:
            return extra
        areas = services.load_areas(municipality)
        for spec in specs:
            name, sep, path = spec.partition("=")
            if not sep or not name.strip() or not path.strip():
                raise CommandError(f"Write --overlap as NAME=FILE, not {spec!r}.")
            try:
                collection = json.loads(self._read(path.strip()))
            except json.JSONDecodeError as exc:
                raise CommandError(f"{path} is not valid GeoJSON: {exc}.") from exc
            extra[name.strip()] = services.overlap_shares(areas, collection)
        return extra

    def _read(self, path):
        if not path:
            return None
        try:
            with open(path, "rb") as handle:
                return spreadsheets.decode(handle.read())[0]
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except spreadsheets.SpreadsheetError as exc:
            raise CommandError(f"{path}: {exc}") from exc


def summary(municipality, request, results):
    metrics = results["metrics"]
    metres = results["distance_unit"] == "m"

    def dist(value):
        return f"{value / 1000:.2f} km" if metres else f"{value:.1f}"

    weights = ", ".join(
        f"{name}={w.weight:g}{'' if w.higher_means_more_need else ' (lower = more need)'}"
        for name, w in request.weights.items()
        if w.weight > 0
    )
    lines = [
        f"Municipality: {municipality.name} ({municipality.code})",
        f"Model: {results['model']}, k = {request.k}"
        + (f", capacity {_capacity_words(results)}" if results.get("capacity") else "")
        + (", contiguous" if request.contiguous else ""),
        f"Need weights: {weights}",
        f"Status: {results['status']}",
        f"Objective: {results['objective']:.6g} (bounds {results['lower_bound']:.6g} – "
        f"{results['upper_bound']:.6g}), {results['method']}, {results['solve_seconds']} s",
        f"Coverage: {metrics['coverage_share'] * 100:.1f} % of the need-weighted population "
        f"within {dist(metrics['coverage_distance'])}",
        f"Mean distance, neediest fifth of the areas: "
        f"{dist(metrics['neediest_quintile_mean_distance'])}",
        f"Staff posts: {metrics['staff']}; annual cost: {metrics['total_cost']:,.0f} SEK",
        "",
        f"{'#':>2}  {'site':<32} {'id':<22} {'areas':>5} {'residents':>9} {'posts':>5} "
        f"{'cost SEK':>12}",
    ]
    for site in results["sites"]:
        lines.append(
            f"{site['number']:>2}  {site['name'][:32]:<32} {site['id'][:22]:<22} "
            f"{site['areas']:>5} {site['residents']:>9,.0f} {site['posts']:>5} "
            f"{site['annual_cost']:>12,.0f}"
        )
    return "\n".join(lines)


def _capacity_words(results):
    capacity = results["capacity"]
    share = capacity["share_of_average"]
    return f"{capacity['per_base']:,.6g} {capacity['unit']} per base" + (
        f" ({share:.2f} × the average)" if share else ""
    )
