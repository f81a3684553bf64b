"""The insights at municipal volume: dashboards, open statistics, key figures, rollup upkeep.

Run from the repository root:  .venv/bin/python benchmarks/insights.py

PostgreSQL only (the volume is the point). It creates its own database (default
nara_bench_insights, on the server in DATABASE_URL, else postgres://postgres@127.0.0.1:5432),
migrates it and fills it with nara/core/generator.py (manage.py generate_activity) in two steps:

1. small: a municipality at --small-scale of Göteborg size (default 0.01: 6,000 residents,
   1 % of the contacts);
2. large: on top of it a municipality at --large-scale (default 1.0: 600,000 residents, 50
   centres, 5 years, ~2 million contacts, ~600,000 appointments with outcomes, ~300,000 offers
   with answers and outcomes, escalations), so the database holds both.

After each step: the generation's time, rate and peak memory; the generator's own rollup build
for its centres and then `manage.py rebuild_rollups` over the whole database, timed;
VACUUM (ANALYZE) and CHECKPOINT; the rollup tables' sizes. Then, through Django's full
middleware stack (the test client; server time, no network), each page --requests times after
--warmup requests:

  bare       a bare Django view (HttpResponse), signed in and anonymous: the baseline
  dashboard  workspace:insights          the municipality dashboard, as an analyst (of the
                                         step's own municipality: ?municipality=)
  centre     workspace:insights-centre   centre 1's dashboard, as its centre manager
  stats      public:statistics (sv)      the open statistics page, anonymous

with p50 / p95 in ms, the query count of one request and the time of the very first request
(cold caches). The pages are measured in a fresh Python process, as a server worker that
starts after the data exists (pages_in_a_fresh_process). A page whose URL name does not
resolve on this branch is reported as missing: the script then prints its JSON line and exits
1, naming it.

Key figures: each nara/insights/kpis.py function the pages are built from (contacts,
offer_funnel, bookings, escalations, reach, contacts_by month / topic / centre) is called
directly --kpi-runs times for the whole municipality over the last 12 complete months, for
centre 1 over the same months and for the whole municipality over all five years: p50 and max
in ms, and the queries.

Rollup upkeep on a contact registration (large step): the contact form's POST (as a browser
sends it, workspace:contact-new, by a social worker of centre 1) --requests times with the
rollup hooks timed (nara.insights.rollups.contact_created / offer_created / …, and
nara.insights.followups.contact_written, which keeps a first contact's first offer and
meeting: the time spent in them is the upkeep, measured directly) alternating with the same
POST with the hooks replaced by no-ops (so the difference of the two p50s is a second, noisier
estimate).

Targets (issue 13): dashboard p50 < 200 ms and p95 < 400 ms at the large size; large/small
p50 ratio ≤ 2 for every page; rollup upkeep < 5 ms per contact registration.

The last line is one JSON object: dashboard_p50_ms, dashboard_p95_ms, centre_p50_ms,
stats_p50_ms, scale_ratio (the largest large/small p50 ratio of the pages measured),
register_overhead_ms (p50 of the upkeep per POST), contacts, missing, and the details.
--proposed-indexes also measures the key figures with indexes proposed for the insights
(created here, benchmark only, dropped again; see PROPOSED). The database is dropped at the
end unless --keep; --reuse measures an existing database
(from --keep) without generating again.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import busy_after_run, busy_before_start, log, machine  # noqa: E402
from volume import (  # noqa: E402
    BARE_URL,
    contact_form,
    database_urls,
    drop_database,
    fresh_database,
    generate_step,
    measure,
    migrate,
    quantile_ms,
    setup_django,
    signed_in,
    url_or_none,
)

SMALL, LARGE = "8101", "8100"  # the generated municipalities' codes
PAGES = {
    "dashboard": "workspace:insights",
    "centre": "workspace:insights-centre",
    "stats": "public:statistics",
}
ROLLUP_HOOKS = ("contact_created", "offer_created", "offer_changed", "escalation_created")
# The first offer and meeting kept on a first contact (nara.insights.followups).
FOLLOWUP_HOOKS = ("contact_written",)


@contextlib.contextmanager
def timed_calls(module, name, spent):
    """Time every call of module.name (looked up by attribute at call time) into `spent`."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - started) * 1000)

    setattr(module, name, wrapper)
    try:
        yield
    finally:
        setattr(module, name, original)


# Data --------------------------------------------------------------------------------------


def generate_and_roll_up(scale, code, seed):
    """Generate a municipality (its rollups built by the generator, timed), then time
    rebuild_rollups over the whole database, VACUUM (ANALYZE), and count the rollup rows."""
    from django.core.management import call_command
    from django.db import connection

    from nara.insights import followups, rollups_rebuild

    spent, refreshed = [], []
    with (
        timed_calls(rollups_rebuild, "rebuild", spent),
        timed_calls(followups, "refresh", refreshed),
    ):
        generated = generate_step(scale, code, seed)
    log(f"  the generator's rollup build for its centres: {spent[0] / 1000:.1f} s (included)")
    log(f"  first offers and meetings of its first contacts: {refreshed[0] / 1000:.1f} s")
    started = time.perf_counter()
    call_command("rebuild_rollups", stdout=open(os.devnull, "w"))  # noqa: SIM115
    rebuild_s = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        # As autovacuum leaves a table some minutes after a bulk load: statistics, and the
        # visibility map the insights' index-only scans need.
        cursor.execute("VACUUM (ANALYZE)")
        # As the checkpointer leaves it within checkpoint_timeout: the load's dirty pages
        # written out, not competing with the pages being measured.
        cursor.execute("CHECKPOINT")
    sizes = rollup_sizes()
    log(f"  manage.py rebuild_rollups (whole database): {rebuild_s} s; rollup rows: {sizes}")
    return {
        "rows": generated["rows"],
        "seconds": generated["seconds"],
        "rows_per_second": generated["rows_per_second"],
        "peak_memory_mib": generated["peak_memory_mib"],
        "counts": generated["counts"],
        "generator_rollup_s": round(spent[0] / 1000, 1),
        "generator_followups_s": round(refreshed[0] / 1000, 1),
        "rebuild_rollups_s": rebuild_s,
        "rollup_rows": sizes,
    }


def rollup_sizes():
    from nara.insights.rollups import ROLLUPS

    return {model.__name__: model.objects.count() for model in ROLLUPS}


# Personas ----------------------------------------------------------------------------------


def personas(code):
    """(analyst client, centre manager client, social worker client, anonymous, centre 1)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from nara.core.models import Center, Membership, Role

    User = get_user_model()
    analyst, created = User.objects.get_or_create(
        username=f"bench-analyst-{code}", defaults={"is_staff": True, "first_name": "Analytiker"}
    )
    if created:
        Membership.objects.create(user=analyst, role=Role.ANALYST)
    manager = User.objects.get(username=f"gen{code}-c1-1")  # the generator's manager of c1
    worker = User.objects.get(username=f"gen{code}-c1-2")
    centre = Center.objects.get(code=f"gen{code}-c1")
    assert manager.memberships.filter(role=Role.CENTRE_MANAGER, center=centre).exists()
    return signed_in(analyst), signed_in(manager), signed_in(worker), Client(), centre


# Pages -------------------------------------------------------------------------------------


def measure_pages(code, args):
    from nara.core.models import Municipality

    analyst, manager, _worker, anonymous, centre = personas(code)
    get = {"secure": True}
    dashboard = url_or_none(PAGES["dashboard"])
    if dashboard:  # the analyst sees both municipalities: this step's, by name
        dashboard += f"?municipality={Municipality.objects.get(code=code).pk}"
    urls = {
        "dashboard": (analyst, dashboard),
        "centre": (manager, url_or_none(PAGES["centre"], [centre.pk])),
        "stats": (anonymous, url_or_none(PAGES["stats"], language="sv")),
    }
    runs = {"requests": args.requests, "warmup": args.warmup}
    result = {
        "bare": measure(lambda: analyst.get(BARE_URL, **get), ok={200}, **runs),
        "bare_anonymous": measure(lambda: anonymous.get(BARE_URL, **get), ok={200}, **runs),
    }
    for page, (client, url) in urls.items():
        if url is None:
            result[page] = None
            continue
        started = time.perf_counter()
        first = client.get(url, **get)
        first_ms = round((time.perf_counter() - started) * 1000, 1)
        if first.status_code != 200:
            raise SystemExit(f"{PAGES[page]} ({url}) answered {first.status_code}")
        result[page] = measure(lambda c=client, u=url: c.get(u, **get), ok={200}, **runs)
        result[page] |= {"first_ms": first_ms, "url": url}
    return result


def report_pages(label, step):
    log(f"  {label}")
    for name in ("bare", "bare_anonymous", *PAGES):
        m = step[name]
        if m is None:
            log(f"    {name:<15} missing: {PAGES[name]} does not resolve on this branch")
            continue
        base = step["bare_anonymous" if name == "stats" else "bare"]["p50_ms"]
        extra = f"  first {m['first_ms']} ms" if "first_ms" in m else ""
        log(
            f"    {name:<15} p50 {m['p50_ms']:>7} ms  p95 {m['p95_ms']:>7} ms  "
            f"({m['p50_ms'] / max(base, 0.001):.1f}x bare)  {m['queries']} queries{extra}"
        )


# Key figures -------------------------------------------------------------------------------


def last_complete_year():
    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)
    end = this_month - dt.timedelta(days=1)
    start = (end.replace(day=1) - dt.timedelta(days=334)).replace(day=1)
    return start, end


def kpi_calls():
    from nara.insights import kpis

    return {
        "contacts": kpis.contacts,
        "offer_funnel": kpis.offer_funnel,
        "bookings": kpis.bookings,
        "escalations": kpis.escalations,
        "reach": kpis.reach,
        "contacts_by_month": lambda f: kpis.contacts_by("month", f),
        "contacts_by_topic": lambda f: kpis.contacts_by("topic", f),
        "contacts_by_centre": lambda f: kpis.contacts_by("center_id", f),
    }


def kpi_scopes(code):
    from nara.core.models import Center
    from nara.insights.kpis import Filters

    ids = tuple(Center.objects.filter(municipality__code=code).order_by("pk").values_list("pk"))
    ids = tuple(pk for (pk,) in ids)
    start, end = last_complete_year()
    return {
        "municipality_year": Filters(start=start, end=end, centers=ids),
        "centre_year": Filters(start=start, end=end, centers=ids[:1]),
        "municipality_5y": Filters(centers=ids),
    }


def measure_kpis(code, runs):
    """{scope: {function: {p50_ms, max_ms, queries}}} for the municipality `code`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = {}
    for scope, filters in kpi_scopes(code).items():
        result[scope] = {}
        for name, call in kpi_calls().items():
            with CaptureQueriesContext(connection) as captured:
                call(filters)  # warm-up, and the queries it takes
            times = []
            for _n in range(runs):
                started = time.perf_counter()
                call(filters)
                times.append((time.perf_counter() - started) * 1000)
            result[scope][name] = {
                "p50_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "queries": len(captured.captured_queries),
            }
    return result


def report_kpis(label, figures):
    log(f"  key figures, {label} (p50 / max ms, queries):")
    scopes = list(figures)
    log("    " + f"{'function':<20}" + "".join(f"{s:>26}" for s in scopes))
    for name in figures[scopes[0]]:
        cells = "".join(
            f"{f['p50_ms']:>12} / {f['max_ms']:>7} ({f['queries']})"
            for f in (figures[s][name] for s in scopes)
        )
        log(f"    {name:<20}{cells}")


# Proposed indexes (benchmark only) -------------------------------------------------------

# BENCHMARK-ONLY indexes, created by --proposed-indexes to show what they would change and
# dropped again afterwards. Not migrations: nara/insights' migrations belong to its owner.
PROPOSED = {
    # The totals (topic = '') of centres and months from the index alone, no table visits.
    "bench_proposed_contactrollup_totals": (
        "insights_contactrollup (center_id, topic, month) INCLUDE (contacts, first_contacts, "
        "known_yes, known_no, interpreter, female, male, other_gender)"
    ),
    "bench_proposed_offerrollup_totals": (
        "insights_offerrollup (center_id, topic, month) INCLUDE (offered, answered, accepted, "
        "declined, thinking, started, completed, ended_early, referred_on)"
    ),
    # Reach: the people, households and aliases of a centre's contacts from the index alone.
    "bench_proposed_contact_reach": (
        "core_contact (center_id, occurred_on) INCLUDE (person_id, household_id, alias_id)"
    ),
}
# A month × centre rollup of the totals, as a table: what the totals would cost from it.
MONTH_TABLE = "bench_proposed_contact_month"


def with_proposed_indexes(code, runs):
    """The key figures again with PROPOSED indexes, then also with JIT off; and the contact
    totals from a month × centre table. Everything created here is dropped again."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for name, definition in PROPOSED.items():
            cursor.execute(f"CREATE INDEX {name} ON {definition}")
        cursor.execute(
            f"CREATE TABLE {MONTH_TABLE} AS SELECT month, center_id, SUM(contacts) AS contacts,"  # noqa: S608
            " SUM(first_contacts) AS first_contacts, SUM(known_no) AS known_no"
            " FROM insights_contactrollup WHERE topic = '' GROUP BY month, center_id"
        )
        cursor.execute(f"CREATE INDEX {MONTH_TABLE}_key ON {MONTH_TABLE} (center_id, month)")
        for table in ("insights_contactrollup", "insights_offerrollup", "core_contact"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute(f"ANALYZE {MONTH_TABLE}")
    log(f"  proposed indexes created and tables vacuumed in {time.perf_counter() - started:.0f} s")
    try:
        result = {"indexes": measure_kpis(code, runs)}
        report_kpis("with the proposed indexes", result["indexes"])
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        result["indexes_jit_off"] = measure_kpis(code, runs)
        report_kpis("with the proposed indexes and jit = off", result["indexes_jit_off"])
        result["month_table"] = measure_month_table(code, runs)
        log(f"  contacts() totals from a month x centre table: {result['month_table']}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = DEFAULT")
            for name in PROPOSED:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {MONTH_TABLE}")
    return result


def measure_month_table(code, runs):
    from django.db import connection

    result = {}
    for scope, filters in kpi_scopes(code).items():
        clauses, params = ["center_id = ANY(%s)"], [list(filters.centers)]
        if filters.first_month:
            clauses.append("month >= %s AND month < %s")
            params += [filters.first_month, filters.stop_month]
        sql = (
            f"SELECT SUM(contacts), SUM(first_contacts), SUM(known_no) FROM {MONTH_TABLE} "  # noqa: S608
            f"WHERE {' AND '.join(clauses)}"
        )
        times = []
        with connection.cursor() as cursor:
            for _n in range(runs + 1):
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                times.append((time.perf_counter() - started) * 1000)
        result[scope] = {"p50_ms": round(statistics.median(times[1:]), 1)}
    return result


# Rollup upkeep on a contact registration ---------------------------------------------------


def measure_register_overhead(code, args):
    """Per POST: ms spent in the rollup hooks (on), and the POST's time with and without them,
    alternating so that the machine's noise falls on both alike."""
    from nara.insights import followups, rollups

    hooks = [(rollups, name) for name in ROLLUP_HOOKS]
    hooks += [(followups, name) for name in FOLLOWUP_HOOKS]
    _analyst, _manager, worker, _anonymous, centre = personas(code)
    form = contact_form(worker, centre)
    if form is None:
        return None
    url, data = form

    def post():
        response = worker.post(url, data, secure=True)
        if response.status_code not in (302, 303):
            raise SystemExit(f"contact POST answered {response.status_code}")

    originals = {(module, name): getattr(module, name) for module, name in hooks}
    noop = lambda *args, **kwargs: None  # noqa: E731
    on, off, upkeep = [], [], []
    for n in range(args.warmup + args.requests):
        spent = []
        with contextlib.ExitStack() as stack:
            for module, name in hooks:
                stack.enter_context(timed_calls(module, name, spent))
            started = time.perf_counter()
            post()
            elapsed = (time.perf_counter() - started) * 1000
        if n >= args.warmup:
            on.append(elapsed)
            upkeep.append(sum(spent))
        for module, name in hooks:
            setattr(module, name, noop)
        try:
            started = time.perf_counter()
            post()
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            for (module, name), original in originals.items():
                setattr(module, name, original)
        if n >= args.warmup:
            off.append(elapsed)
    return {
        "upkeep_p50_ms": quantile_ms(upkeep, 50),
        "upkeep_p95_ms": quantile_ms(upkeep, 95),
        "post_p50_ms": quantile_ms(on, 50),
        "post_p95_ms": quantile_ms(on, 95),
        "post_without_rollups_p50_ms": quantile_ms(off, 50),
        "post_without_rollups_p95_ms": quantile_ms(off, 95),
        "difference_p50_ms": round(quantile_ms(on, 50) - quantile_ms(off, 50), 1),
        "posts": len(on) * 2,
    }


# The run -----------------------------------------------------------------------------------


def step(label, scale, code, seed, args):
    log(f"{label} step")
    if args.reuse:
        from nara.core.models import Municipality

        if not Municipality.objects.filter(code=code).exists():
            raise SystemExit(f"--reuse: municipality {code} is not in --pg-name {args.pg_name}")
        data = {"reused": True, "rollup_rows": rollup_sizes()}
    else:
        data = generate_and_roll_up(scale, code, seed)
    pages = pages_in_a_fresh_process(code, args)
    from nara.core.models import Contact

    contacts = Contact.objects.filter(center__municipality__code=code).count()
    report_pages(f"{contacts:,} contacts in municipality {code}", pages)
    figures = measure_kpis(code, args.kpi_runs)
    report_kpis(f"{contacts:,} contacts", figures)
    return {"data": data, "pages": pages, "kpis": figures, "contacts": contacts}


def pages_in_a_fresh_process(code, args):
    """measure_pages in a new Python process, as a server worker started after the data
    exists: in this one, what the generator left on the heap makes every garbage collection
    slower (the large step's pages took 20 % longer here than in a fresh process)."""
    command = [sys.executable, __file__, "--measure-pages", code, "--pg-name", args.pg_name]
    command += ["--requests", str(args.requests), "--warmup", str(args.warmup)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measuring the pages failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio(large, small, page):
    if large["pages"][page] is None or small["pages"][page] is None:
        return None
    return round(large["pages"][page]["p50_ms"] / max(small["pages"][page]["p50_ms"], 0.001), 2)


def summary(small, large, register, busy):
    from nara.core.models import Contact

    pages = large["pages"]

    def get(page, key):
        return pages[page][key] if pages[page] is not None else None

    ratios = {page: ratio(large, small, page) for page in PAGES}
    measured = [r for r in ratios.values() if r is not None]
    return {
        "bench": "insights",
        "dashboard_p50_ms": get("dashboard", "p50_ms"),
        "dashboard_p95_ms": get("dashboard", "p95_ms"),
        "centre_p50_ms": get("centre", "p50_ms"),
        "stats_p50_ms": get("stats", "p50_ms"),
        "scale_ratio": max(measured) if measured else None,
        "register_overhead_ms": register["upkeep_p50_ms"] if register else None,
        "contacts": Contact.objects.count(),
        "missing": [PAGES[p] for p in PAGES if pages[p] is None],
        "centre_p95_ms": get("centre", "p95_ms"),
        "stats_p95_ms": get("stats", "p95_ms"),
        "bare_p50_ms": pages["bare"]["p50_ms"],
        "bare_anonymous_p50_ms": pages["bare_anonymous"]["p50_ms"],
        "ratios": ratios,
        "contacts_small": small["contacts"],
        "contacts_large": large["contacts"],
        "register": register,
        "rebuild_rollups_s": large["data"].get("rebuild_rollups_s"),
        "generator_rows_per_s": large["data"].get("rows_per_second"),
        "generator_peak_mib": large["data"].get("peak_memory_mib"),
        "rollup_rows": large["data"]["rollup_rows"],
        "cpu_busy_before": round(busy[0], 2),
        "cpu_busy_after": round(busy[1], 2) if busy[1] is not None else None,
        "small": small,
        "large": large,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small-scale", type=float, default=0.01)
    parser.add_argument("--large-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--kpi-runs", type=int, default=10)
    parser.add_argument("--pg-name", default="nara_bench_insights")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the kept database again (implies --keep)"
    )
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="also measure the key figures with benchmark-only indexes (dropped afterwards)",
    )
    parser.add_argument("--measure-pages", metavar="CODE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.keep = args.keep or args.reuse
    if args.measure_pages:  # the child process of pages_in_a_fresh_process
        # The parent's setup_django put the benchmark database in DATABASE_URL.
        setup_django(os.environ["DATABASE_URL"], module="bench_insights_urls")
        print(json.dumps(measure_pages(args.measure_pages, args)), flush=True)
        return

    log(f"Insights benchmark on {machine()}, load average {os.getloadavg()}")
    busy_before = busy_before_start()
    bench_url, admin_url = database_urls(args.pg_name)
    if not args.reuse and not fresh_database(admin_url, args.pg_name):
        print(json.dumps({"bench": "insights", "skipped": "no PostgreSQL"}), flush=True)
        return
    try:
        setup_django(bench_url, module="bench_insights_urls")
        if not args.reuse:
            migrate()
        small = step("Small", args.small_scale, SMALL, args.seed, args)
        large = step("Large", args.large_scale, LARGE, args.seed + 1, args)
        if args.proposed_indexes:
            log("Key figures with the proposed (benchmark-only) indexes, large municipality")
            large["proposed"] = with_proposed_indexes(LARGE, args.kpi_runs)
        log("Rollup upkeep on the contact registration POST (large municipality)")
        register = measure_register_overhead(LARGE, args)
        if register:
            log(
                f"  in the rollup hooks: p50 {register['upkeep_p50_ms']} ms, p95 "
                f"{register['upkeep_p95_ms']} ms per POST; POST p50 {register['post_p50_ms']} ms"
                f" with them, {register['post_without_rollups_p50_ms']} ms without"
            )
        else:
            log("  workspace:contact-new does not resolve on this branch: not measured")
        row = summary(small, large, register, (busy_before, busy_after_run()))
    finally:
        if not args.keep:
            drop_database(admin_url, args.pg_name)
    if row["missing"]:
        log(f"MISSING pages (URL names that do not resolve): {', '.join(row['missing'])}")
    print(json.dumps(row, default=str), flush=True)
    if row["missing"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
