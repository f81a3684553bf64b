"""Shared fixtures: the demo municipality and the people who use Nära."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.test import Client

from nara.core import content_version
from nara.core.demo import build_demo
from nara.core.models import Center, Municipality
from tests import leak_scan

# Fast hashing in tests only; production keeps Django's default (PBKDF2).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def allow_flushing_the_audit_trail(sender, connection, **kwargs):
    """Test databases are emptied with TRUNCATE, which the audit trail refuses on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET nara.allow_audit_truncate = 'on'")


connection_created.connect(allow_flushing_the_audit_trail)
if connection.connection is not None:
    allow_flushing_the_audit_trail(None, connection)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_file(name):
    """A file from ../shared/data, or a clean skip saying why it is missing."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the real public data lives in ../shared beside the repo")
    return path


# How the real Norrköping DeSO file's properties map onto areas (see ../shared/data/README.md).
NORRKOPING_MAPPING = [
    "--municipality",
    "0581",
    "--municipality-name",
    "Norrköping",
    "--population",
    "pop",
    "--children-share",
    "child_frac",
    "--parent",
    "regso",
    "--indicator",
    "income",
    "--indicator",
    "neet",
    "--indicator",
    "income_support",
]


def import_norrkoping(**options):
    """Import Norrköping's 79 DeSO areas from ../shared, or skip saying why it cannot."""
    path = shared_file("norrkoping_deso.geojson")
    call_command("import_areas", str(path), *NORRKOPING_MAPPING, **options)


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Pages link hashed static files, as in production; collect them (incrementally)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # parallel workers would collect over each other; `make test` collects first
    call_command("collectstatic", "--noinput", verbosity=0)


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Each test starts with no rendered public pages kept from another test's data."""
    caches["pages"].clear()
    content_version.forget()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The example municipality, built once per module and rolled back afterwards.

    Without the demo's bookings, call-backs and questions: tests count their own."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo(seed=2026, activity=False)
        yield Municipality.objects.get(is_example=True)
        transaction.set_rollback(True)


@pytest.fixture
def tasks_run_at_once(settings):
    """Queued tasks run at once, in the process that queues them (django-tasks'
    ImmediateBackend) instead of waiting for `manage.py run_worker`: a scenario saved on the
    planning pages is computed before the page redirects. The real worker is tested too
    (tests/planning/test_planning_worker.py, tests/core/test_reminders.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings  # pytest-django's settings fixture restores the database queue afterwards


@pytest.fixture
def resident():
    """A resident on the public site: no account, no cookies yet."""
    return Client()


@pytest.fixture
def first_centre(demo):
    """The demo's first social centre."""
    return Center.objects.filter(kind="centre").order_by("pk").first()


@pytest.fixture
def read_page():
    """GET a page that must be there; its HTML."""

    def read(client, path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.content.decode()

    return read


# Personnummer, reservnummer and journal text never in a URL, log line, message, HTML attribute or
# audit entry's clear text: every request and log record of the whole run is scanned.
LEAKS = leak_scan.LEAKS


@pytest.fixture(scope="session", autouse=True)
def leak_scanner():
    leak_scan.install(LEAKS)
    return LEAKS


def pytest_terminal_summary(terminalreporter):
    if LEAKS.found:
        terminalreporter.section("personal data where it must never be")
        for where, kind in sorted(set(LEAKS.found)):
            terminalreporter.write_line(f"{kind} in {where}")


def pytest_sessionfinish(session, exitstatus):
    if LEAKS.found and exitstatus == 0:
        session.exitstatus = 1
