"""The repository's gunicorn configuration, run for real on a loopback port."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response
    except urllib.error.HTTPError as error:
        return error


def test_responses_do_not_name_the_server_software(tmp_path):
    port = free_port()
    log = tmp_path / "access.log"
    env = dict(os.environ, NARA_DEV_MODE="1", DJANGO_SETTINGS_MODULE="nara.settings")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", str(log)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = fetch(f"http://127.0.0.1:{port}/sv/find/?q=Storgatan+1")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn down"
                time.sleep(0.2)
        assert response.headers.get("Server") is None
        assert response.headers.get("Date")  # the rest of gunicorn's headers are untouched
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    logged = log.read_text()
    assert "/sv/find/" in logged
    assert "Storgatan" not in logged  # no query strings in the access log
