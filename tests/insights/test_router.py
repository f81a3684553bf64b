"""The reporting router's rules and the DATABASE_REPLICA_URL setting, on any database (the real
replica is in test_replica.py): insights reads go to the replica only when one is configured and
no transaction is open on default; writes, other models and migrations stay on default."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from nara.core.models import AuditEvent, Contact
from nara.insights.db import reporting_alias
from nara.insights.models import ContactRollup, PurgeMark
from nara.insights.routers import ReportingRouter

ROOT = Path(__file__).resolve().parents[2]
router = ReportingRouter()


@pytest.fixture
def replica(monkeypatch):
    """A replica alias in the settings (never connected to: the router only looks it up)."""
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))


def test_without_a_replica_everything_is_read_on_default():
    assert "replica" not in settings.DATABASES
    assert reporting_alias() == "default"
    assert ContactRollup.objects.all().db == "default"


def test_insights_reads_go_to_the_replica(replica):
    assert reporting_alias() == "replica"
    assert router.db_for_read(ContactRollup) == "replica"
    assert ContactRollup.objects.all().db == "replica"
    assert PurgeMark.objects.all().db == "replica"
    # Other models are left to Django: default, or where a related instance was read.
    assert router.db_for_read(Contact) is None
    assert Contact.objects.all().db == "default"
    assert AuditEvent.objects.all().db == "default"


def test_writes_and_locking_reads_go_to_default(replica):
    assert router.db_for_write(ContactRollup) == "default"
    assert ContactRollup.objects.select_for_update().db == "default"
    assert PurgeMark.objects.select_for_update().db == "default"
    assert router.db_for_write(Contact) == "default"


def test_only_default_is_migrated(replica):
    assert router.allow_migrate("default", "insights") is True
    assert router.allow_migrate("replica", "insights") is False
    assert router.allow_migrate("replica", "core") is False
    assert router.allow_relation(Contact(), ContactRollup()) is True


@pytest.mark.django_db
def test_reads_in_a_transaction_on_default_stay_on_default(replica):
    """Each database test runs in a transaction on default, as every write action does: the
    rollups a writer reads must be the primary's, with the transaction's own changes."""
    assert reporting_alias() == "default"
    assert ContactRollup.objects.all().db == "default"


PRINT_DATABASES = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'aliases': sorted(settings.DATABASES), "
    "'replica': settings.DATABASES.get('replica'), 'routers': settings.DATABASE_ROUTERS}))"
)


def load_settings(**environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PYTEST_"))}
    env.update(DJANGO_SETTINGS_MODULE="nara.settings", NARA_DEV_MODE="1", **environment)
    return subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_replica_url_is_parsed_like_database_url_and_mirrored_in_tests():
    result = load_settings(
        DATABASE_URL="postgres://nara@db.example/nara",
        DATABASE_REPLICA_URL="postgres://nara_reader@replica.example:5433/nara",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["aliases"] == ["default", "replica"]
    replica = loaded["replica"]
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == (
        "replica.example",
        5433,
        "nara_reader",
        "nara",
    )
    assert replica["TEST"]["MIRROR"] == "default"
    assert loaded["routers"] == ["nara.insights.routers.ReportingRouter"]


def test_no_replica_alias_without_the_setting():
    result = load_settings(DATABASE_URL="postgres://nara@db.example/nara")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["aliases"] == ["default"]


def test_a_replica_needs_postgresql():
    result = load_settings(DATABASE_REPLICA_URL="sqlite:////tmp/copy.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL is a PostgreSQL streaming replica" in result.stderr
