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
import os
import statistics
import sys
import time
import types
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import log, machine  # noqa: E402


def database_urls(name):
    given = os.environ.get("DATABASE_URL", "")
    base = given if given.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urllib.parse.urlsplit(base)
    if parts.path.lstrip("/") == name:
        raise SystemExit(f"--pg-name {name} is the database in DATABASE_URL; choose another")
    bench = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    return bench, admin


def admin_sql(admin_url, statement):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement)


def setup_django(bench_url):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="nara.settings",
        DATABASE_URL=bench_url,
        NARA_DEV_MODE="1",  # the public development keys, on this machine only
        NARA_DEBUG="0",  # production settings, whatever the caller's shell says
        NARA_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        NARA_PUBLIC_URL="http://127.0.0.1",
        NARA_PUBLIC_URL_ALLOW_HTTP="1",
        NARA_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    def bare(request):
        return HttpResponse("ok")

    urls = types.ModuleType("bench_casework_urls")
    urls.urlpatterns = [path("bench-bare/", bare)] + list(
        __import__(settings.ROOT_URLCONF, fromlist=["urlpatterns"]).urlpatterns
    )
    sys.modules["bench_casework_urls"] = urls
    settings.ROOT_URLCONF = "bench_casework_urls"
    clear_url_caches()


class FormDefaults(HTMLParser):
    """The fields a browser would submit from the page's contact form, as they stand."""

    def __init__(self, form_class="contact-form"):
        super().__init__()
        self.form_class = form_class
        self.fields, self.in_form, self.done, self.select = [], False, False, None
        self.first_topic = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and self.form_class in (a.get("class") or "").split():
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
                elif name == "topics" and self.first_topic is None:
                    self.first_topic = a.get("value")
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = [name, None, None]
        elif tag == "option" and self.select:
            if self.select[2] is None:
                self.select[2] = a.get("value", "")
            if "selected" in a:
                self.select[1] = a.get("value", "")
        elif tag == "textarea" and name:
            self.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            name, chosen, first = self.select
            self.fields.append((name, chosen if chosen is not None else first or ""))
            self.select = None
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True

    def data(self):
        fields = {}
        for name, value in self.fields:
            fields.setdefault(name, []).append(value)
        if self.first_topic and "topics" not in fields:
            fields["topics"] = [self.first_topic]
        return fields


def signed_in_worker(code):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=f"gen{code}-c1-2")  # a social worker, centre 1
    client = Client()
    client.force_login(user)
    device, _new = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client, user


def url_or_none(name, centre_pk):
    from django.urls import NoReverseMatch, reverse

    for args in ([], [centre_pk]):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def measure(call, *, requests, warmup, ok):
    """p50, p95 (ms) of `call`, and its query count (one more request, queries captured)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(warmup):
        call()
    times = []
    for _n in range(requests):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code not in ok:
            raise SystemExit(f"unexpected status {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        call()
    quantiles = statistics.quantiles(times, n=100)
    return {"p50_ms": round(quantiles[49], 1), "p95_ms": round(quantiles[94], 1)} | {
        "queries": len(captured.captured_queries)
    }


def measure_step(code, args):
    from nara.core.models import Center

    client, _user = signed_in_worker(code)
    centre = Center.objects.get(code=f"gen{code}-c1")
    today_name = "workspace:today" if url_or_none("workspace:today", centre.pk) else None
    today_url = url_or_none(today_name or "workspace:index", centre.pk)
    register_url = url_or_none("workspace:contact-new", centre.pk)
    if register_url:  # the centre's first service, as if chosen on the service page
        register_url += f"?service={centre.services.order_by('pk').first().pk}"
    get = {"secure": True}
    result = {
        "bare": measure(
            lambda: client.get("/bench-bare/", **get),
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
    if register_url:
        parser = FormDefaults()
        parser.feed(client.get(register_url, **get).content.decode())
        data = parser.data()
        result["register"] = measure(
            lambda: client.post(register_url, data, **get),
            requests=args.requests,
            warmup=args.warmup,
            ok={302, 303},  # saved and redirected to the empty form
        )
    else:
        result["register"] = None
    return result


def generate_step(scale, code, seed):
    from django.db import connection

    from nara.core.generator import GeneratorSize, generate

    size = GeneratorSize.scaled(scale, seed=seed, municipality_code=code)
    log(f"  generating {size.residents:,} residents, {size.centres} centres, {size.years:g} years")
    result = generate(size, out=log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(
        f"  {result['rows']:,} rows in {result['seconds']} s: {result['rows_per_second']:,} rows/s,"
        f" peak memory {result['peak_memory_mib']} MiB"
    )
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
    try:
        admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)')
        admin_sql(admin_url, f'CREATE DATABASE "{args.pg_name}"')
    except Exception as exc:  # no PostgreSQL here: say so on the JSON line, do not fail
        log(f"  PostgreSQL not reachable ({exc}); skipped")
        print(json.dumps({"bench": "casework", "skipped": "no PostgreSQL"}), flush=True)
        return
    try:
        setup_django(bench_url)
        from django.core.management import call_command

        from nara.core.models import Contact

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
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
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)')
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
