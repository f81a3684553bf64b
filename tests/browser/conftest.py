"""Browser tests: the public site in headless Chromium, used the way residents use it.

One live server and one demo municipality serve the whole tests/browser package:

* The demo data is built once with ``manage.py demo_data`` and *committed*, so the server thread
  sees it on PostgreSQL as well as on SQLite (where Django shares the in-memory connection with
  the server thread). pytest-django's ``live_server`` fixture is not used on purpose: it pulls in
  ``transactional_db``, which empties the database after every test. When the package is done the
  database is flushed, so the other test packages start from an empty database as they expect.
* Static files are served the way production serves them: WhiteNoise from STATIC_ROOT, with the
  hashed names from ``collectstatic`` (``make test`` runs it first). A missing or stale
  ``collectstatic`` fails the tests with a message saying so.
* Playwright's sync API keeps an asyncio loop running in the main thread, where Django refuses
  database queries. Everything a test needs from the database is read into ``DemoFacts`` before
  the browser starts; ``db_call`` runs a query in a worker thread for the few tests that need to
  read what the server wrote.
* Chromium resolves no host name but the live server's, and every browser context records requests
  to other hosts: a test that caused one fails when it ends (the routed quick-exit page is the
  only exception).
"""

import io
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .support import (
    CHROMIUM,
    HOST,
    LAUNCH_ARGS,
    TIMEOUT_MS,
    AreaFacts,
    CentreFacts,
    DemoFacts,
    db_call,
)


def _require_chromium():
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(
            f"Browser tests need Debian's Chromium at {CHROMIUM} "
            "(make browser-deps installs it); skipping."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Browser tests need the playwright Python package; skipping.")


def _require_collected_static():
    """The server serves STATIC_ROOT through WhiteNoise: it must match the source files."""
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    hint = "run `manage.py collectstatic --noinput` before the browser tests (make test does)"
    for name in ("nara/public.css", "nara/public.js"):
        source = finders.find(name)
        try:
            stored = (
                staticfiles_storage.stored_name(name)
                if hasattr(staticfiles_storage, "stored_name")
                else name
            )
        except ValueError:
            pytest.fail(f"{name} is missing from the static files manifest: {hint}", False)
        collected = Path(settings.STATIC_ROOT) / stored
        if not collected.exists():
            pytest.fail(f"{collected} does not exist: {hint}", False)
        if collected.read_bytes() != Path(source).read_bytes():
            pytest.fail(f"{collected} is older than {source}: {hint}", False)


def _inside_point(area):
    """The area's centroid if it lies inside the area (after the page rounds it), else a point
    that certainly does."""
    from shapely.geometry import shape

    from nara.core import queries

    candidates = [(area.centroid_lat, area.centroid_lon)]
    point = shape(area.geometry).representative_point()
    candidates.append((point.y, point.x))
    for lat, lon in candidates:
        hit = queries.area_at_point(round(lon, 5), round(lat, 5))
        if hit is not None and hit.pk == area.pk:
            return lat, lon
    raise AssertionError(f"no point inside {area.name} found")


def _area_facts(area):
    from nara.core import queries
    from nara.core.models import PostcodeArea

    lat, lon = _inside_point(area)
    postcodes = sorted(PostcodeArea.objects.filter(area=area).values_list("postcode", flat=True))
    centres = [(c.slug, c.name, c.kind) for c in queries.centers_serving(area)]
    return AreaFacts(area.code, area.name, postcodes, centres, lat, lon)


def _collect_facts(url):
    """Everything the tests check against, read from the database before the browser starts."""
    import datetime as dt

    from django.conf import settings
    from django.utils import translation

    from nara.core import queries
    from nara.core.models import Area, Center, Municipality, MythFact, PostcodeArea
    from nara.lib.topics import SENSITIVE_TOPICS, TOPICS

    today = queries.local_now().date()
    with translation.override("sv"):
        centres = []
        for c in Center.objects.filter(is_published=True):
            exceptions = {
                e.date: str(e.reason or "")
                for e in c.exceptions.filter(date__gte=today, date__lt=today + dt.timedelta(days=7))
            }
            centres.append(
                CentreFacts(
                    slug=c.slug,
                    name=c.name,
                    kind=c.kind,
                    phone=c.phone,
                    email=c.email,
                    languages=list(c.languages),
                    staff=[s.first_name for s in c.staff.all()],
                    services_sv=[str(s.name) for s in c.services.all()],
                    catchment=list(
                        Area.objects.filter(catchments__center=c).values_list("name", flat=True)
                    ),
                    exceptions_sv=exceptions,
                )
            )
        myths = [(str(m.myth), str(m.fact)) for m in MythFact.objects.filter(is_published=True)]

    areas = list(Area.objects.all())
    social = basic = None
    for area in areas:
        serving = queries.centers_serving(area)
        if len(queries.areas_matching(area.name)) != 1:
            continue
        if social is None and serving and serving[0].kind == Center.Kind.CENTRE:
            social = area
        if basic is None and serving and all(c.kind == Center.Kind.BASE for c in serving):
            basic = area
    assert social and basic, "the demo municipality has no area served by a social centre"

    # The three-letter prefix shared by most area names, e.g. "Sol": the choices page.
    prefixes = {}
    for area in areas:
        prefixes.setdefault(area.name[:3], []).append(area.name)
    partial, names = max(prefixes.items(), key=lambda kv: len(kv[1]))
    assert len(names) > 1 and partial not in names

    known = set(PostcodeArea.objects.values_list("postcode", flat=True))
    unknown = next(p for p in ("98765", "99999", "11111", "12345") if p not in known)

    topic_centres = {}
    for slug, _title, _sensitive in TOPICS:
        topic_centres[slug] = set(
            Center.objects.filter(services__topic=slug, is_published=True).values_list(
                "slug", flat=True
            )
        )

    return DemoFacts(
        url=url,
        quick_exit_url=settings.NARA_QUICK_EXIT_URL,
        areas=[a.name for a in areas],
        centres=centres,
        social_area=_area_facts(social),
        base_area=_area_facts(basic),
        partial_name=partial,
        partial_matches=sorted(names),
        unknown_postcode=unknown,
        topics=[(slug, slug in SENSITIVE_TOPICS) for slug, _t, _s in TOPICS],
        topic_centres=topic_centres,
        myths_sv=myths,
        municipality=Municipality.objects.get(is_example=True).name,
    )


class _LiveServer:
    """Django's LiveServerThread with the full WSGI stack in front (WhiteNoise serves /static/)."""

    def __init__(self):
        from django.db import connections
        from django.test.testcases import LiveServerThread
        from django.test.utils import modify_settings

        shared = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        self._settings = modify_settings(ALLOWED_HOSTS={"append": HOST})
        self._settings.enable()
        self.thread = LiveServerThread(
            HOST, static_handler=lambda application: application, connections_override=shared
        )
        self.thread.daemon = True
        for conn in shared.values():
            conn.inc_thread_sharing()
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            self.stop()
            raise self.thread.error

    @property
    def url(self):
        return f"http://{self.thread.host}:{self.thread.port}"

    def stop(self):
        self.thread.terminate()
        for conn in (self.thread.connections_override or {}).values():
            conn.dec_thread_sharing()
        self._settings.disable()


def _configured_database_name():
    from django.conf import settings

    return settings.DATABASES["default"]["NAME"]


# Read when pytest imports this file, before any fixture has switched to a test database.
CONFIGURED_DATABASE = _configured_database_name()


def _on_test_database(connection):
    """Setting up a test database renames the connection's database (test_…, or SQLite's
    in-memory one); until then it is the real, configured database."""
    return connection.settings_dict["NAME"] != CONFIGURED_DATABASE


@contextmanager
def _test_database(django_db_blocker):
    """The test database. pytest-django only creates it when some collected test asks for `db`;
    these tests deliberately do not (see the module docstring), so create it when it is absent."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if _on_test_database(connection):
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)


@pytest.fixture(scope="package")
def nara_site(django_db_setup, django_db_blocker):
    """The demo municipality behind a live server: DemoFacts, with .url."""
    _require_chromium()
    _require_collected_static()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    with _test_database(django_db_blocker), django_db_blocker.unblock():
        if not _on_test_database(connection):  # never build demo data in a real database
            pytest.fail(f"not a test database: {connection.settings_dict['NAME']}", False)
        cache.clear()  # the feedback form's per-address limit lives in the cache
        call_command("demo_data", reset=True, no_activity=True, stdout=io.StringIO())
        server = _LiveServer()
        try:
            yield _collect_facts(server.url)
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="package")
def browser(nara_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # No name resolves except the live server's: nothing can leave this machine.
        no_dns = f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {HOST}"
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[*LAUNCH_ARGS, no_dns])
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def site_crawl(browser, nara_site):
    """crawl(lang): every public page in a language, visited once per test run (see crawl.py)."""
    from .crawl import crawl

    done = {}

    def get(lang):
        if lang not in done:
            done[lang] = crawl(browser, nara_site, lang)
        return done[lang]

    return get


@pytest.fixture
def feedback_quota():
    """A fresh per-address allowance of answers (127.0.0.1 posts for every test)."""

    def clear():
        from django.core.cache import cache

        from nara.core.models import RateCounter

        cache.clear()
        RateCounter.objects.all().delete()  # the per-address limits

    db_call(clear)


class HostGuard:
    """Records every request that leaves the live server, and every script error."""

    def __init__(self, site):
        self.site = site
        self.allowed = set()
        self.foreign = []
        self.script_errors = []
        self.lock = threading.Lock()

    def is_foreign(self, url):
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.site.host

    def on_request(self, request):
        if self.is_foreign(request.url) and request.url not in self.allowed:
            with self.lock:
                self.foreign.append(request.url)

    def on_console(self, message):
        # CSP violations are reported on the console only.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.script_errors.append(message.text)

    def on_page_error(self, error):
        self.script_errors.append(str(error))


@pytest.fixture
def new_context(browser, nara_site):
    """Factory for fresh browser contexts (own cookies, own history) on the live server."""
    made = []

    def make(**options):
        guard = HostGuard(nara_site)
        context = browser.new_context(base_url=nara_site.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("request", guard.on_request)
        context.on("page", lambda page: _watch_page(page, guard))
        context.guard = guard
        made.append(context)
        return context

    yield make
    problems = []
    for context in made:
        problems += [f"request to another host: {u}" for u in context.guard.foreign]
        problems += [f"script error: {e}" for e in context.guard.script_errors]
        context.close()
    assert not problems, "\n".join(problems)


def _watch_page(page, guard):
    page.on("console", guard.on_console)
    page.on("pageerror", guard.on_page_error)


@pytest.fixture
def page(new_context):
    """A page in a fresh context: no cookies, no history, Swedish browser."""
    return new_context(locale="sv-SE").new_page()
