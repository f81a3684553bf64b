"""Throughput and tail latency of the public HSDS directory API under gunicorn, measured with wrk.

Run from the repository root:  .venv/bin/python benchmarks/api.py

Set up as benchmarks/public_pages.py does (a fresh SQLite database in a temporary directory with
the demo data, collectstatic, gunicorn with the production settings on a free loopback port,
plus the bare view /bench-bare/ through the same middleware as the baseline), and 150 more
services spread over the published centres, so that a page of 100 is full.

Measured against the same server, one after the other, each after a short warm-up (wrk -t2 -c32):

  bare      GET /bench-bare/
  services  GET /api/v1/services?per_page=100    the HSDS services list, 100 per page
  service   GET /api/v1/services/<id>            one fully nested service (catchments and all)
  statistics GET /api/v1/statistics              the open statistics of the newest year (every
                                                 centre and area, month by month, suppressed)

Target (from the issue): each >= 50 % of the bare view's requests per second, p99 < 50 ms.
The last line printed is one JSON object (bare_rps, services_rps, services_ratio,
services_p99_ms, service_rps, service_ratio, service_p99_ms, statistics_rps, statistics_ratio,
statistics_p99_ms, ...).

Options: --duration, --warmup, --connections, --threads, --rounds (medians), --env-db (also
against $DATABASE_URL, e.g. PostgreSQL; it runs migrate and demo_data on that database).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import urllib.request
from pathlib import Path

from harness import (
    Server,
    base_env,
    busy_after_run,
    busy_before_start,
    collectstatic,
    django_script,
    load_demo_data,
    log,
    machine,
)
from public_pages import BARE_SETTINGS, BARE_URLS, LUA_DONE, WORKER_CONFIGS, median, run_wrk

WRK = shutil.which("wrk") or "/usr/bin/wrk"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
EXTRA_SERVICES = 150
MEASURED = ("services", "service", "statistics")

# Adds services until a page of 100 is full; prints the id of the service with most centres.
DATA_SCRIPT = f"""\
import datetime as dt
import json
import django

django.setup()
from nara.api.ids import hsds_id
from nara.core.models import Center, Municipality, Service
from nara.lib.topics import TOPICS

municipality = Municipality.objects.get(is_example=True)
centres = list(Center.objects.filter(is_published=True).order_by("pk"))
for n in range({EXTRA_SERVICES}):
    service = Service.objects.create(
        municipality=municipality,
        slug=f"bench-{{n}}",
        name={{"sv": f"Stödinsats {{n}}", "en": f"Support {{n}}"}},
        topic=TOPICS[n % len(TOPICS)][0],
        target_group={{"sv": "Familjer med barn", "en": "Families with children"}},
        min_age=n % 10,
        max_age=18 + n % 50,
        description={{"sv": "En beskrivning av insatsen. " * 4, "en": "A description. " * 4}},
        needs_assessed=bool(n % 2),
        decision_reference=f"SN 2026/{{n}}",
        decision_date=dt.date(2026, 1, 1),
        documentation_level="counts_only",
    )
    service.centers.set(centres[n % len(centres): n % len(centres) + 2])
widest = max(Service.objects.all(), key=lambda s: s.centers.filter(is_published=True).count())
found = {{"services": Service.objects.count(), "service_id": hsds_id("service", widest.pk)}}
print(json.dumps(found))
"""


def check(url, needle):
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read().decode()
        if response.status != 200 or needle not in body:
            raise RuntimeError(f"{url}: status {response.status}, {needle!r} missing")
    return body


def measure(env, targets, args, tmp):
    config = WORKER_CONFIGS["sync-2"]
    server = Server(
        dict(env, DJANGO_SETTINGS_MODULE="bench_bare_settings"), tmp, label="api", **config
    )
    lua = Path(tmp) / "get.lua"
    lua.write_text(LUA_DONE)
    results = {}
    try:
        server.start()
        base = server.base
        pages = [
            ("bare", f"{base}/bench-bare/"),
            ("services", f"{base}/api/v1/services?per_page=100"),
            ("service", f"{base}/api/v1/services/{targets['service_id']}"),
            ("statistics", f"{base}/api/v1/statistics"),
        ]
        check(pages[0][1], "ok")
        listed = json.loads(check(pages[1][1], '"contents"'))
        if listed["size"] != 100:
            raise RuntimeError(f"the services page holds {listed['size']} services, not 100")
        check(pages[2][1], targets["service_id"])
        statistics = json.loads(check(pages[3][1], '"centres"'))
        log(f"  checked: 100 services on the page ({listed['total_items']} in all), one service")
        log(
            f"  statistics of {statistics['year']}: {len(statistics['centres'])} centres, "
            f"{len(statistics['areas'])} areas, {len(statistics['months'])} months"
        )
        log(f"  {'page':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'KiB':>7}")
        runs = {name: [] for name, _url in pages}
        for _round in range(args.rounds):
            for name, url in pages:
                run_wrk(url, lua, args.warmup, args.connections, args.threads)
                server.wait_idle()
                r = run_wrk(url, lua, args.duration, args.connections, args.threads)
                runs[name].append(r)
                log(
                    f"  {name:<10} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
                    f"{r['kb_per_request']:7.1f}"
                    + (f"  errors {r['errors']}" if r["errors"] else "")
                )
        for name, rs in runs.items():
            results[name] = {k: median([r[k] for r in rs]) for k in ("rps", "p99_ms")}
            results[name]["errors"] = sum(sum(r["errors"].values()) for r in rs)
        for line in server.problems()[:5]:
            log(f"  server log: {line}")
    finally:
        server.stop()
    return results


def summary(results, database):
    bare = results["bare"]["rps"]
    row = {"bench": "api", "database": database, "bare_rps": round(bare, 1)}
    for name in MEASURED:
        row[f"{name}_rps"] = round(results[name]["rps"], 1)
        row[f"{name}_ratio"] = round(results[name]["rps"] / bare, 3)
        row[f"{name}_p99_ms"] = round(results[name]["p99_ms"], 2)
    row["errors"] = sum(r["errors"] for r in results.values())
    return row


def report(row, label=""):
    met = all(
        row[f"{n}_ratio"] >= TARGET_RATIO and row[f"{n}_p99_ms"] < TARGET_P99_MS for n in MEASURED
    )
    log(
        f"{label}target {'MET' if met else 'NOT MET'}: services/bare = {row['services_ratio']:.0%}"
        f", p99 {row['services_p99_ms']:.1f} ms; service/bare = {row['service_ratio']:.0%}, "
        f"p99 {row['service_p99_ms']:.1f} ms; statistics/bare = {row['statistics_ratio']:.0%}, "
        f"p99 {row['statistics_p99_ms']:.1f} ms (need >= {TARGET_RATIO:.0%} and < "
        f"{TARGET_P99_MS:.0f} ms)"
    )


def bench_database(label, database_url, args, tmp):
    log(f"\n== {label}: {database_url}")
    env = base_env(tmp, database_url)
    load_demo_data(env)
    targets = django_script(env, DATA_SCRIPT, what="adding services")
    log(f"  {targets['services']} services; single service {targets['service_id']}")
    row = summary(measure(env, targets, args, tmp), label)
    report(row, "  ")
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--env-db", action="store_true")
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    info = machine()
    log(f"api: {info['nproc']} CPUs ({info['cpu']}), Python {sys.version.split()[0]}")
    busy_before = busy_before_start()
    tmp = Path(tempfile.mkdtemp(prefix="nara-bench-api-"))
    try:
        (tmp / "bench_bare_settings.py").write_text(BARE_SETTINGS)
        (tmp / "bench_bare_urls.py").write_text(BARE_URLS)
        sqlite = f"sqlite:///{tmp / 'bench.sqlite3'}"
        collectstatic(base_env(tmp, sqlite), "default STATIC_ROOT")
        row = bench_database("sqlite", sqlite, args, tmp)
        if args.env_db:
            if not os.environ.get("DATABASE_URL"):
                raise SystemExit("--env-db needs DATABASE_URL")
            other = bench_database("env", os.environ["DATABASE_URL"], args, tmp)
            row["env_db"] = {k: v for k, v in other.items() if k != "bench"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    row["cpu_busy_before"] = round(busy_before, 3)
    row["cpu_busy_after"] = round(busy_after_run(), 3)
    report(row)
    print(json.dumps(row), flush=True)
    return 1 if row["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
