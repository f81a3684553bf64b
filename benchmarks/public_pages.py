"""Throughput and tail latency of the resident-facing pages under gunicorn, measured with wrk.

Run from the repository root:  .venv/bin/python benchmarks/public_pages.py

Everything is set up here, nothing is left behind: a fresh SQLite database in a temporary
directory (migrate, createcachetable, demo_data), collectstatic to the default STATIC_ROOT (the
settings use manifest static storage when NARA_DEBUG is unset), and a gunicorn server on a free
loopback port. The server runs the production settings plus one extra URL, /bench-bare/, a plain
function view returning "ok" through the same middleware stack: it is the ceiling the real pages
are compared with. The view lives in a throwaway urlconf in the temporary directory, never in the
app's own URLs.

Measured against the same server, one after the other, each after a short warm-up with wrk
(-t2 -c32 by default, loopback only):

  bare    GET  /bench-bare/
  start   GET  /sv/
  centre  GET  /sv/centres/<slug>/       the social centre with the largest catchment
  find    POST /sv/find/location/        lat/lon inside an area of that catchment, with a CSRF
                                         cookie and token taken from a GET of /sv/

Target (from the issue): centre page >= 50 % of the bare view's requests per second and p99
under 50 ms at 32 connections on the 2-core machine.

The last line printed is one JSON object (bench, *_rps, *_p99_ms, ratios, workers, ...).

Options: --config NAME (gunicorn worker configuration, see WORKER_CONFIGS), --rounds N
(repeat the four pages N times on the same server and report medians; useful on a noisy
machine), --sweep (measure every configuration, each on its own server; the JSON keeps the
--config one and adds a "sweep" object), --duration, --warmup, --connections, --threads,
--env-db (also measure against the database in $DATABASE_URL, e.g. PostgreSQL; off by default
because it runs migrate and demo_data on that database).
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request
from pathlib import Path

from harness import (
    ROOT,
    Server,
    base_env,
    busy_after_run,
    busy_before_start,
    collectstatic,
    csrf_cookie,
    csrf_token,
    django_script,
    load_demo_data,
    log,
    machine,
)

WRK = shutil.which("wrk") or "/usr/bin/wrk"

# Gunicorn worker configurations for a 2-core machine. The default, "sync-2", is what `make demo`
# runs: the pages are CPU-bound (SQLite is in-process), so one sync worker per core is enough;
# more workers or threads add switching, not throughput (see PUBLIC_PAGES.md for the sweep).
WORKER_CONFIGS = {
    "sync-2": {"workers": 2, "worker_class": "sync", "threads": 1},
    "sync-4": {"workers": 4, "worker_class": "sync", "threads": 1},
    "gthread-2x4": {"workers": 2, "worker_class": "gthread", "threads": 4},
    "gthread-4x2": {"workers": 4, "worker_class": "gthread", "threads": 2},
}
DEFAULT_CONFIG = "sync-2"

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0

BARE_SETTINGS = """\
from nara.settings import *  # noqa: F403

ROOT_URLCONF = "bench_bare_urls"
"""

BARE_URLS = """\
from django.http import HttpResponse
from django.urls import path

from nara.urls import urlpatterns as nara_urlpatterns


def bench_bare(request):
    return HttpResponse("ok")


# Copied, not include()d: i18n_patterns only works in the root urlconf.
urlpatterns = [path("bench-bare/", bench_bare), *nara_urlpatterns]
"""

# Chooses the pages to measure from the demo data; printed as one JSON line.
TARGETS_SCRIPT = """\
import json
import django

django.setup()
from nara.core import queries
from nara.core.models import Area, CatchmentMembership, Center
from nara.lib.geometry import contains

centres = [
    c
    for c in Center.objects.filter(is_published=True, kind=Center.Kind.CENTRE).order_by("slug")
    if c.catchment.exists()
]
centre = max(centres, key=lambda c: c.catchment.count())
layer = CatchmentMembership.Layer.CENTRES
areas = Area.objects.filter(catchments__center=centre, catchments__layer=layer).order_by("code")
for area in areas:
    lon, lat = area.centroid_lon, area.centroid_lat
    found = queries.area_at_point(lon, lat)
    if contains(area.geometry, lon, lat) and found is not None and found.pk == area.pk:
        break
else:
    raise SystemExit("no area of the catchment contains its own centroid")
print(json.dumps({
    "centre_slug": centre.slug, "centre_name": str(centre.name),
    "catchment_size": centre.catchment.count(),
    "area_name": area.name, "area_code": area.code, "lat": lat, "lon": lon,
}))
"""

LUA_DONE = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,"
    .. "\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d,"
    .. "\\"p50_us\\":%.1f,\\"p90_us\\":%.1f,\\"p99_us\\":%.1f,\\"max_us\\":%.1f,"
    .. "\\"mean_us\\":%.1f}\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def lua_post(body, cookie):
    return (
        textwrap.dedent(f"""\
        wrk.method = "POST"
        wrk.body = {json.dumps(body)}
        wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
        wrk.headers["Cookie"] = {json.dumps(cookie)}
        """)
        + LUA_DONE
    )


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def prepare_database(env):
    started = time.monotonic()
    load_demo_data(env)
    log(f"  database ready in {time.monotonic() - started:.1f} s (migrate, cache table, demo)")
    return django_script(env, TARGETS_SCRIPT, what="choosing pages")


def check_page(opener, url, needles, data=None):
    request = urllib.request.Request(url, data=data)
    with opener.open(request, timeout=10) as response:
        body = response.read().decode()
        status = response.status
    missing = [n for n in needles if n not in body]
    if status != 200 or missing:
        raise RuntimeError(f"{url}: status {status}, missing {missing}")
    return body


def prepare_requests(server, targets, tmp):
    """Check every page once by hand; return (name, url, lua script) for wrk."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = server.base
    centre_url = f"{base}/sv/centres/{targets['centre_slug']}/"
    find_url = f"{base}/sv/find/location/"
    check_page(opener, f"{base}/bench-bare/", ["ok"])
    centre_name = html.escape(targets["centre_name"])
    check_page(opener, centre_url, [centre_name])
    start = check_page(opener, f"{base}/sv/", ['name="csrfmiddlewaretoken"'])
    token = csrf_token(start)
    cookie = csrf_cookie(jar)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "lat": targets["lat"], "lon": targets["lon"]}
    )
    # A fresh opener with only the Cookie header wrk will send, to test exactly that request.
    plain = urllib.request.build_opener()
    plain.addheaders = [("Cookie", f"csrftoken={cookie}")]
    page = check_page(
        plain, find_url, [html.escape(targets["area_name"]), centre_name], data=body.encode()
    )
    log(
        f"  checked: POST find/location (lat {targets['lat']:.5f}, lon {targets['lon']:.5f}) -> "
        f"200, {len(page)} chars, names area {targets['area_name']!r} and the centre"
    )
    get_lua = Path(tmp) / "get.lua"
    get_lua.write_text(LUA_DONE)
    post_lua = Path(tmp) / "post.lua"
    post_lua.write_text(lua_post(body, f"csrftoken={cookie}"))
    return [
        ("bare", f"{base}/bench-bare/", get_lua),
        ("start", f"{base}/sv/", get_lua),
        ("centre", centre_url, get_lua),
        ("find", find_url, post_lua),
    ]


def run_wrk(url, lua, duration, connections, threads):
    cmd = [
        WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
        "--timeout", "10s", "-s", str(lua), url,
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("WRKJSON ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed:\n{result.stdout}{result.stderr}")
    raw = json.loads(lines[-1][len("WRKJSON ") :])
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "kb_per_request": raw["bytes"] / max(raw["requests"], 1) / 1024,
        "errors": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]},
    }


def measure(env, config_name, targets, args, tmp):
    config = WORKER_CONFIGS[config_name]
    server_env = dict(env, DJANGO_SETTINGS_MODULE="bench_bare_settings")
    server = Server(server_env, tmp, label=config_name, **config)
    log(
        f"\ngunicorn {config_name}: --workers {config['workers']} --worker-class "
        f"{config['worker_class']} --threads {config['threads']} on {server.base}"
    )
    results = {}
    try:
        server.start()
        requests = prepare_requests(server, targets, tmp)
        log(
            f"  wrk -t{args.threads} -c{args.connections}: {args.warmup}s warm-up, "
            f"then {args.duration}s measured, per page"
        )
        log(
            f"  {'page':<7} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'KiB':>6} "
            f"{'CPU ms':>8}  (CPU ms: gunicorn CPU time per request)"
        )
        runs = {name: [] for name, _, _ in requests}
        for round_no in range(args.rounds):
            for name, url, lua in requests:
                run_wrk(url, lua, args.warmup, args.connections, args.threads)
                server.wait_idle()
                cpu_before = server.cpu_seconds()
                r = run_wrk(url, lua, args.duration, args.connections, args.threads)
                server.wait_idle()  # requests still queued when wrk stopped are counted too
                if not r["requests"]:
                    raise RuntimeError(f"{name}: no request completed in {args.duration} s")
                r["cpu_ms"] = (server.cpu_seconds() - cpu_before) * 1000 / r["requests"]
                runs[name].append(r)
                errors = f"  errors {r['errors']}" if r["errors"] else ""
                label = f"{name} #{round_no + 1}" if args.rounds > 1 else name
                log(
                    f"  {label:<7} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p90_ms']:8.1f} "
                    f"{r['p99_ms']:8.1f} {r['kb_per_request']:6.1f} {r['cpu_ms']:8.2f}{errors}"
                )
        for name, rs in runs.items():
            errors = {}
            for r in rs:
                for kind, count in r["errors"].items():
                    errors[kind] = errors.get(kind, 0) + count
            keys = ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "kb_per_request", "cpu_ms")
            results[name] = {k: median([r[k] for r in rs]) for k in keys} | {"errors": errors}
        if args.rounds > 1:
            log(f"  medians of {args.rounds} rounds:")
            for name, r in results.items():
                log(
                    f"  {name:<7} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p90_ms']:8.1f} "
                    f"{r['p99_ms']:8.1f} {r['kb_per_request']:6.1f} {r['cpu_ms']:8.2f}"
                )
        for line in server.problems()[:5]:
            log(f"  server log: {line}")
    finally:
        server.stop()
    return results


def summary(results, config_name, args):
    config = WORKER_CONFIGS[config_name]
    bare = results["bare"]["rps"]
    return {
        "bench": "public_pages",
        "bare_rps": round(bare, 1),
        "bare_p99_ms": round(results["bare"]["p99_ms"], 2),
        "start_rps": round(results["start"]["rps"], 1),
        "start_p99_ms": round(results["start"]["p99_ms"], 2),
        "centre_rps": round(results["centre"]["rps"], 1),
        "centre_ratio": round(results["centre"]["rps"] / bare, 3),
        "centre_p99_ms": round(results["centre"]["p99_ms"], 2),
        "find_rps": round(results["find"]["rps"], 1),
        "find_p99_ms": round(results["find"]["p99_ms"], 2),
        "find_ratio": round(results["find"]["rps"] / bare, 3),
        # Server CPU time per request: much less disturbed by other load than req/s is.
        "bare_cpu_ms": round(results["bare"]["cpu_ms"], 3),
        "start_cpu_ms": round(results["start"]["cpu_ms"], 3),
        "centre_cpu_ms": round(results["centre"]["cpu_ms"], 3),
        "find_cpu_ms": round(results["find"]["cpu_ms"], 3),
        "centre_cpu_ratio": round(results["bare"]["cpu_ms"] / results["centre"]["cpu_ms"], 3),
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "workers": config["workers"],
        "worker_class": config["worker_class"],
        "threads": config["threads"],
        "config": config_name,
        "errors": sum(sum(r["errors"].values()) for r in results.values()),
    }


def report_target(row, label=""):
    ok_ratio = row["centre_ratio"] >= TARGET_RATIO
    ok_p99 = row["centre_p99_ms"] < TARGET_P99_MS
    verdict = "MET" if ok_ratio and ok_p99 else "NOT MET"
    log(
        f"{label}target {verdict}: centre/bare = {row['centre_ratio']:.0%} (need >= "
        f"{TARGET_RATIO:.0%}), centre p99 = {row['centre_p99_ms']:.1f} ms (need < "
        f"{TARGET_P99_MS:.0f} ms); find/bare = {row['find_ratio']:.0%}, "
        f"find p99 = {row['find_p99_ms']:.1f} ms; server CPU per request: bare "
        f"{row['bare_cpu_ms']:.2f} ms, centre {row['centre_cpu_ms']:.2f} ms, find "
        f"{row['find_cpu_ms']:.2f} ms"
    )


def bench_database(label, database_url, args, tmp):
    log(f"\n== {label}: {database_url}")
    env = base_env(tmp, database_url)
    targets = prepare_database(env)
    log(
        f"  centre page: /sv/centres/{targets['centre_slug']}/ ({targets['centre_name']}, "
        f"{targets['catchment_size']} areas); find: area {targets['area_name']}"
    )
    configs = list(WORKER_CONFIGS) if args.sweep else [args.config]
    if args.config in configs:  # the reported configuration first
        configs.remove(args.config)
        configs.insert(0, args.config)
    rows = {}
    for name in configs:
        rows[name] = summary(measure(env, name, targets, args, tmp), name, args)
        report_target(rows[name], f"  [{name}] ")
    row = dict(rows[args.config], database=label)
    if args.sweep:
        keys = (
            "bare_rps", "start_rps", "centre_rps", "centre_p99_ms", "find_rps", "find_p99_ms",
            "bare_cpu_ms", "centre_cpu_ms", "find_cpu_ms",
        )  # fmt: skip
        row["sweep"] = {name: {k: r[k] for k in keys} for name, r in rows.items()}
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=WORKER_CONFIGS, default=DEFAULT_CONFIG)
    parser.add_argument("--sweep", action="store_true", help="measure every worker config")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    parser.add_argument("--rounds", type=int, default=1, help="repeat all pages; report medians")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--env-db", action="store_true", help="also measure against $DATABASE_URL (PostgreSQL)"
    )
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks

    info = machine()
    log(f"public_pages: {info['nproc']} CPUs ({info['cpu']}), Python {sys.version.split()[0]}")
    if not list(ROOT.glob("locale/*/LC_MESSAGES/django.mo")):
        log("  note: no compiled translations (run `make messages`); pages fall back to English")

    busy_before = busy_before_start()
    tmp = Path(tempfile.mkdtemp(prefix="nara-bench-public-"))
    try:
        (tmp / "bench_bare_settings.py").write_text(BARE_SETTINGS)
        (tmp / "bench_bare_urls.py").write_text(BARE_URLS)
        collectstatic(base_env(tmp, f"sqlite:///{tmp / 'bench.sqlite3'}"), "default STATIC_ROOT")
        row = bench_database("sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}", args, tmp)
        if args.env_db:
            if not os.environ.get("DATABASE_URL"):
                raise SystemExit("--env-db needs DATABASE_URL")
            other = bench_database("env", os.environ["DATABASE_URL"], args, tmp)
            row["env_db"] = {k: v for k, v in other.items() if k != "bench"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    busy_after = busy_after_run()
    row["cpu_busy_before"] = round(busy_before, 3)
    row["cpu_busy_after"] = round(busy_after, 3)
    report_target(row)
    print(json.dumps(row), flush=True)
    return 1 if row["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
