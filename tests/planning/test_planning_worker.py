"""The real worker computes queued planning scenarios: `manage.py run_worker` subprocesses on the
test database (an SQLite file, or PostgreSQL with DATABASE_URL), so these are transactional tests.

Two workers race over the queue, which holds a second wake-up call for one scenario: each
scenario is solved once, a plan that cannot be computed is stored as a failure in words, and the
scenario page then shows the plan.
"""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from nara.core.actions.staff import do_create_staff_user
from nara.core.models import AuditEvent, Municipality, Role
from nara.planning import plans, tasks
from nara.planning.actions import do_queue_scenario
from nara.planning.models import Scenario
from tests.workspace.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.database_queue]


def grid_town(tmp_path, size=5):
    """A small town of size × size square areas (WGS84), imported as a municipality would."""
    features = []
    for i in range(size):
        for j in range(size):
            lon, lat = 16.0 + i * 0.02, 58.5 + j * 0.01
            ring = [
                [lon, lat],
                [lon + 0.02, lat],
                [lon + 0.02, lat + 0.01],
                [lon, lat + 0.01],
                [lon, lat],
            ]
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "code": f"9990A{i}{j}",
                        "name": f"Kvarter {i}{j}",
                        "pop": 500 + 100 * ((i * 7 + j * 3) % 9),
                        "income": 200 + 10 * ((i + 2 * j) % 7),
                    },
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    path = tmp_path / "town.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    call_command(
        "import_areas", str(path), "--municipality", "9990", "--municipality-name", "Rutby",
        "--code", "code", "--name", "name", "--population", "pop", "--indicator", "income",
        stdout=io.StringIO(),
    )  # fmt: skip
    return Municipality.objects.get(code="9990")


def queue(municipality, name, **request):
    plan = plans.PlanRequest(**request)
    return do_queue_scenario(
        actor="test",
        municipality=municipality,
        name=name,
        model=plan.model,
        parameters=plan.parameters(),
        language="en",
    )


class Workers:
    """`manage.py run_worker` subprocesses on the test database."""

    def __init__(self, tmp_path):
        self.tmp_path, self.processes = tmp_path, []
        database = {
            key: connection.settings_dict[key]
            for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        }
        (tmp_path / "worker_settings.py").write_text(
            "import json\n"
            "from nara.settings import *  # noqa\n"
            f"DATABASES['default'].update(json.loads({json.dumps(json.dumps(database))}))\n"
        )
        self.env = {
            **os.environ,
            "NARA_DEV_MODE": "1",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "worker_settings",
        }

    def start(self, name):
        log = self.tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "run_worker",
                "--interval=0.1",
                "--no-startup-delay",
                f"--worker-id={name}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        process.log = log
        self.processes.append(process)
        return process

    def logs(self):
        return "\n".join(f"--- {p.log.name}\n{p.log.read_text()}" for p in self.processes)

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.close()


def wait_until(condition, message, timeout=90.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message()
        time.sleep(0.2)


def analyst():
    person = do_create_staff_user(
        actor="test", username="planner", password=None, roles=[(Role.ANALYST, None, None)]
    )
    client = signed_in(person)
    client.cookies["nara_language"] = "en"
    return client


def test_two_workers_compute_each_queued_scenario_once(tmp_path, workers):
    town = grid_town(tmp_path)
    client = analyst()
    saved = client.post(
        "/staff/planning/scenarios/new/?municipality=9990",
        {
            "municipality": "9990",
            "name": "Two centres",
            "model": "pmedian",
            "k": 2,
            "coverage_distance": 1500,
            "capacity_on": "population",
            "include_areas": "on",
            "staff_posts": 4,
            "min_posts": 1,
            "cost_per_post": 700000,
            "cost_per_site": 400000,
            "w_income": 1,
        },
    )
    assert saved.status_code == 302, saved.content.decode()
    good = Scenario.objects.get(name="Two centres")
    page = f"/staff/planning/scenarios/{good.pk}/"
    assert "waiting for the background worker" in client.get(page).content.decode()
    tasks.solve_scenario.enqueue(scenario_id=good.pk)  # a second wake-up call for the same one
    bad = queue(town, "Too many", model="pmedian", k=100)  # more sites than candidates
    workers.start("first")
    workers.start("second")

    def all_final():
        return not Scenario.objects.filter(state__in=["queued", "computing"]).exists()

    wait_until(all_final, workers.logs)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.state == "done", (good.failure, workers.logs())
    assert good.results["status"] == "optimal" and len(good.results["sites"]) == 2
    assert sum(site["posts"] for site in good.results["sites"]) == 4
    assert good.attempts == 1
    assert good.queued_at <= good.started_at <= good.finished_at
    starts = AuditEvent.objects.filter(
        action="scenario.start", object_type="Scenario", object_id=str(good.pk)
    )
    assert starts.count() == 1  # solved once, though two tasks named it

    shown = client.get(page).content.decode()
    assert "<svg" in shown and shown.count('class="site"') == 2 and "http-equiv" not in shown

    assert bad.state == "failed" and bad.attempts == 1
    assert "Cannot open 100 sites" in bad.failure
    assert "Traceback" not in bad.failure
