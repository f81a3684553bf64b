"""The social worker's day at volume: the today view and the contact registration POST.

Run from the repository root:  .venv/bin/python benchmarks/casework.py

PostgreSQL only (the volume is the point). It creates its own database (default
nara_bench_scale, on the server in DATABASE_URL, else postgres://postgres@127.0.0.1:5432),
migrates it and fills it with manage.py generate_activity's generator in two steps:

1. small: a municipality at --small-scale of full size (default 0.01: ~20 000 contacts);
2. large: on top of it a municipality at --large-scale (default 1.0: 600 000 residents, 50
   centres, 5 years, ~2 million contacts), so the database holds both.

After each step (and ANALYZE) it measures, in this process through Django's full middleware
stack (the test client; server time, no network): a bare Django view (HttpResponse, the
baseline), the today view (workspace:today; when this branch has no today view the staff
start page workspace:index is measured instead, and the output says so) and the contact
registration POST (workspace:contact-new: the form as a browser would send it, its defaults
plus the first topic; skipped when the URL does not exist). Each is requested --requests times
(after --warmup requests) by a social worker of the first centre of the municipality generated
in that step; p50 and p95 in ms, and the number of SQL queries of one request.

Targets: p95 < 150 ms for both; the today view's query count the same at both sizes.
The last line is one JSON object: bench, today_p95_ms, register_p95_ms, today_queries_small,
today_queries_large, bare_p95_ms, contacts, and the details. The database is dropped at the end
unless --keep.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import log, machine  # noqa: E402
from volume import (  # noqa: E402
    BARE_URL,
    contact_form,
    database_urls,
    drop_database,
    fresh_database,
    generate_step,
    measure,
    migrate,
    setup_django,
    signed_in,
    url_or_none,
)


def signed_in_worker(code):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=f"gen{code}-c1-2")  # a social worker, centre 1
    return signed_in(user), user


def measure_step(code, args):
    from nara.core.models import Center

    client, _user = signed_in_worker(code)
    centre = Center.objects.get(code=f"gen{code}-c1")
    either = ([], [centre.pk])
    today_name = "workspace:today" if url_or_none("workspace:today", *either) else None
    today_url = url_or_none(today_name or "workspace:index", *either)
    get = {"secure": True}
    result = {
        "bare": measure(
            lambda: client.get(BARE_URL, **get),
            requests=args.requests,
            warmup=args.warmup,
            ok={200},
        ),
        "today_view": today_name or "workspace:index (no workspace:today on this branch)",
        "today": measure(
            lambda: client.get(today_url, **get),
            requests=args.requests,
            warmup=args.warmup,
            ok={200},
        ),
    }
    form = contact_form(client, centre)
    if form:
        register_url, data = form
        result["register"] = measure(
            lambda: client.post(register_url, data, **get),
            requests=args.requests,
            warmup=args.warmup,
            ok={302, 303},  # saved and redirected to the empty form
        )
    else:
        result["register"] = None
    return result


def report(label, step):
    def line(name, m):
        if m is None:
            return f"    {name:<9} (not on this branch)"
        ratio = m["p95_ms"] / max(step["bare"]["p95_ms"], 0.001)
        return (
            f"    {name:<9} p50 {m['p50_ms']:>7} ms  p95 {m['p95_ms']:>7} ms  "
            f"({ratio:.1f}x bare)  {m['queries']} queries"
        )

    log(f"  {label}: today view = {step['today_view']}")
    for name in ("bare", "today", "register"):
        log(line(name, step[name]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small-scale", type=float, default=0.01)
    parser.add_argument("--large-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--pg-name", default="nara_bench_scale")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()

    log(f"Casework benchmark on {machine()}")
    bench_url, admin_url = database_urls(args.pg_name)
    if not fresh_database(admin_url, args.pg_name):
        print(json.dumps({"bench": "casework", "skipped": "no PostgreSQL"}), flush=True)
        return
    try:
        setup_django(bench_url)
        from nara.core.models import Contact

        migrate()
        log("Small step")
        small_gen = generate_step(args.small_scale, "8001", args.seed)
        small = measure_step("8001", args)
        small_contacts = Contact.objects.count()
        report(f"{small_contacts:,} contacts", small)
        log("Large step")
        large_gen = generate_step(args.large_scale, "8000", args.seed + 1)
        large = measure_step("8000", args)
        contacts = Contact.objects.count()
        report(f"{contacts:,} contacts", large)
    finally:
        if not args.keep:
            drop_database(admin_url, args.pg_name)
    register = large["register"]
    row = {
        "bench": "casework",
        "today_p95_ms": large["today"]["p95_ms"],
        "register_p95_ms": register["p95_ms"] if register else None,
        "today_queries_small": small["today"]["queries"],
        "today_queries_large": large["today"]["queries"],
        "bare_p95_ms": large["bare"]["p95_ms"],
        "contacts": contacts,
        "contacts_small": small_contacts,
        "today_view": large["today_view"],
        "register_queries_small": small["register"]["queries"] if small["register"] else None,
        "register_queries_large": register["queries"] if register else None,
        "generator_rows_per_s": large_gen["rows_per_second"],
        "generator_rows": small_gen["rows"] + large_gen["rows"],
        "generator_peak_mib": large_gen["peak_memory_mib"],
        "small": small,
        "large": large,
    }
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
