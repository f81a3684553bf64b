"""Helpers shared by the in-process benchmarks at municipal volume (casework.py, insights.py):
a throwaway PostgreSQL database, Django set up on it with a bare view beside the real URLs,
generated municipalities, signed-in staff clients and p50/p95 of a request.

Requests go through Django's whole middleware stack in this process (the test client): server
time, no network. Not a benchmark itself; the scripts import it from their own directory.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import types
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from harness import log

ROOT = Path(__file__).resolve().parents[1]
BARE_URL = "/bench-bare/"


# The database ------------------------------------------------------------------------------


def database_urls(name):
    """(URL of the benchmark database `name`, URL of the server's postgres database)."""
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


def fresh_database(admin_url, name):
    """Drop and create `name`; False (and a log line) when no PostgreSQL answers."""
    try:
        admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_sql(admin_url, f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no PostgreSQL here: the caller says so on its JSON line
        log(f"  PostgreSQL not reachable ({exc}); skipped")
        return False
    return True


def drop_database(admin_url, name):
    from django.db import connections

    connections.close_all()
    admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Django ------------------------------------------------------------------------------------


def setup_django(bench_url, module="bench_volume_urls"):
    """Production settings on `bench_url`, and the real URLs plus a bare view at BARE_URL."""
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

    urls = types.ModuleType(module)
    urls.urlpatterns = [path(BARE_URL.strip("/") + "/", bare)] + list(
        __import__(settings.ROOT_URLCONF, fromlist=["urlpatterns"]).urlpatterns
    )
    for name in ("handler403", "handler404"):
        if hasattr(sys.modules[settings.ROOT_URLCONF], name):
            setattr(urls, name, getattr(sys.modules[settings.ROOT_URLCONF], name))
    sys.modules[module] = urls
    settings.ROOT_URLCONF = module
    clear_url_caches()


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def signed_in(user):
    """A test client signed in as `user`, past the second factor (a confirmed TOTP device)."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _new = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def url_or_none(name, *arg_choices, language=None):
    """reverse(name) with the first argument list that fits, or None when it does not exist."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    with translation.override(language) if language else _nothing():
        for args in arg_choices or ([],):
            try:
                return reverse(name, args=args)
            except NoReverseMatch:
                continue
    return None


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# Measuring ---------------------------------------------------------------------------------


def quantile_ms(times, q):
    """The q-th percentile (1–99) of `times` in ms, rounded to 0.1."""
    return round(statistics.quantiles(times, n=100)[q - 1], 1)


def measure(call, *, requests, warmup, ok, queries=True):
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
    result = {"p50_ms": quantile_ms(times, 50), "p95_ms": quantile_ms(times, 95)}
    if queries:
        with CaptureQueriesContext(connection) as captured:
            call()
        result["queries"] = len(captured.captured_queries)
    return result


class FormDefaults(HTMLParser):
    """The fields a browser would submit from the page's form of this class, as they stand."""

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


def contact_form(client, centre):
    """(URL, data) of the contact registration POST as a browser sends it from the form of
    the centre's first service: its defaults plus the first topic; None without the URL."""
    register_url = url_or_none("workspace:contact-new", [], [centre.pk])
    if not register_url:
        return None
    register_url += f"?service={centre.services.order_by('pk').first().pk}"
    parser = FormDefaults()
    parser.feed(client.get(register_url, secure=True).content.decode())
    return register_url, parser.data()


# Generated municipalities ------------------------------------------------------------------


def generate_step(scale, code, seed, **size_fields):
    """A municipality at `scale` of Göteborg size by nara/core/generator.py, then ANALYZE."""
    from django.db import connection

    from nara.core.generator import GeneratorSize, generate

    size = GeneratorSize.scaled(scale, seed=seed, municipality_code=code, **size_fields)
    log(f"  generating {size.residents:,} residents, {size.centres} centres, {size.years:g} years")
    result = generate(size, out=log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(
        f"  {result['rows']:,} rows in {result['seconds']} s: {result['rows_per_second']:,} rows/s,"
        f" peak memory {result['peak_memory_mib']} MiB"
    )
    return result
