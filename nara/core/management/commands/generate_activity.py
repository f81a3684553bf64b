"""manage.py generate_activity: a synthetic municipality with years of casework.

    manage.py generate_activity --residents 600000 --centres 50 --years 5 --seed 1
    manage.py generate_activity --scale 0.01          # the same, 100 times smaller

For benchmarks and the insights issue; never on a production database. Generated rows have no
audit trail (they are synthetic). Prints counts, the rate in rows/s and the peak memory.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from nara.core.generator import GeneratorSize, generate


class Command(BaseCommand):
    help = "Generate a synthetic municipality with contacts, offers, appointments and tasks."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=600_000)
        parser.add_argument("--centres", type=int, default=50)
        parser.add_argument("--years", type=float, default=5)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiply residents and centres, e.g. 0.01."
        )
        parser.add_argument("--end", type=dt.date.fromisoformat, help="Last day (default today).")
        parser.add_argument("--municipality-code", default="8000")

    def handle(self, *args, **options):
        fields = {
            "residents": options["residents"],
            "centres": options["centres"],
            "years": options["years"],
            "seed": options["seed"],
            "municipality_code": options["municipality_code"],
        }
        if options["end"]:
            fields["end"] = options["end"]
        size = GeneratorSize.scaled(options["scale"], **fields)
        self.stdout.write(
            f"Generating {size.residents:,} residents, {size.centres} centres, "
            f"{size.years:g} years to {size.end}, seed {size.seed}."
        )
        try:
            result = generate(size, out=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{name} {count:,}" for name, count in result["counts"].items())
        self.stdout.write(counts)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['rows']:,} rows in {result['seconds']} s: "
                f"{result['rows_per_second']:,} rows/s, "
                f"peak memory {result['peak_memory_mib']} MiB."
            )
        )
