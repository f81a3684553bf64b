"""The access log, as gunicorn.conf.py (used by `make demo`) writes it, holds no bearer secret."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn_log(tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="nara.settings")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(log)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.terminate()
        server.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url, deadline):
    opener = urllib.request.build_opener(_NoRedirect)
    while True:
        try:
            return opener.open(url, timeout=30)
        except urllib.error.HTTPError as answer:  # the redirect itself, not followed
            return answer
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_an_old_private_link_is_redacted_in_the_access_log(gunicorn_log):
    base, log = gunicorn_log
    secret = "pQ3vVb7Zr0fS9yWkLm2N4tXc8eHa1JdU"
    answer = _get(f"{base}/sv/booking/{secret}/?x={secret}", time.monotonic() + 60)
    assert answer.status == 302 and answer.headers["Location"] == "/sv/booking/"  # the code
    time.sleep(1)
    lines = log.read_text()
    assert "/sv/booking/[redacted]/" in lines
    assert secret not in lines
