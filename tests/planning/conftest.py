"""Fixtures for the planning tests: small random instances (plain numpy, no Django), and
queued scenarios computed at once (tests/conftest.py ``tasks_run_at_once``) unless a test
asks for the database queue (tests/planning/test_planning_queue.py, test_planning_worker.py)."""

from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def planning_tasks_at_once(request):
    """Scenarios saved on the pages are computed before the page redirects, as the tests of
    the pages expect; tests marked ``database_queue`` keep the real queue."""
    if request.node.get_closest_marker("database_queue") is None:
        request.getfixturevalue("tasks_run_at_once")


@pytest.fixture
def small_instance():
    """30 areas and 10 candidate sites in a 10 km square, weights 1–5."""
    rng = np.random.default_rng(7)
    areas = rng.uniform(0, 10_000, size=(30, 2))
    sites = rng.uniform(0, 10_000, size=(10, 2))
    distance = np.sqrt(((areas[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    return distance, rng.uniform(1, 5, size=30)


@pytest.fixture
def grid():
    """A 6 × 6 grid of areas with rook adjacency, every area a candidate site."""
    size = 6
    xy = np.array([(i, j) for i in range(size) for j in range(size)], dtype=float)
    adjacency = [
        [
            (i + di) * size + (j + dj)
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1))
            if 0 <= i + di < size and 0 <= j + dj < size
        ]
        for i in range(size)
        for j in range(size)
    ]
    distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return distance, adjacency


@pytest.fixture(scope="module")
def norrkoping_path():
    path = SHARED_DATA / "norrkoping_deso.geojson"
    if not path.exists():
        pytest.skip(f"{SHARED_DATA} absent: the Norrköping DeSO file lives in ../shared/data")
    return path
