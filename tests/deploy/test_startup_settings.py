"""Production start-up: incomplete settings refuse to load; HTTPS behind a proxy is one switch."""

import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from nara.core.models import PageFeedback

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); print(json.dumps({"
    "k: str(getattr(settings, k, None)) for k in ("
    "'ALLOWED_HOSTS', 'NARA_PUBLIC_URL', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', "
    "'SECURE_REDIRECT_EXEMPT')}))"
)

PROXY = [ipaddress.ip_network("10.0.0.1")]


def production_env(**overrides):
    """The environment of a production start: no development switch, real keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARA_")}
    env.update(
        DJANGO_SETTINGS_MODULE="nara.settings",
        NARA_SECRET_KEY="x" * 50,
        NARA_FIELD_KEYS="f" * 50,
        NARA_AUDIT_KEY="a" * 50,
        **overrides,
    )
    return env


def load_settings(**overrides):
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_public_url_and_hosts():
    result = load_settings()
    assert result.returncode != 0
    assert "Production settings are incomplete" in result.stderr
    assert "NARA_ALLOWED_HOSTS is not set" in result.stderr
    assert "NARA_PUBLIC_URL is not set" in result.stderr


def test_production_refuses_a_plain_http_public_url():
    result = load_settings(NARA_ALLOWED_HOSTS="nara.example.se", NARA_PUBLIC_URL="http://x.se")
    assert result.returncode != 0
    assert "must start with https://" in result.stderr


def test_production_starts_when_complete():
    result = load_settings(
        NARA_ALLOWED_HOSTS="nara.example.se", NARA_PUBLIC_URL="https://nara.example.se"
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["ALLOWED_HOSTS"] == "['nara.example.se']"
    assert loaded["NARA_PUBLIC_URL"] == "https://nara.example.se"


def test_http_public_url_allowed_only_explicitly():
    result = load_settings(
        NARA_ALLOWED_HOSTS="intranet",
        NARA_PUBLIC_URL="http://intranet",
        NARA_PUBLIC_URL_ALLOW_HTTP="1",
    )
    assert result.returncode == 0, result.stderr


def test_dev_mode_keeps_local_defaults():
    result = load_settings(NARA_DEV_MODE="1")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["NARA_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert loaded["ALLOWED_HOSTS"] == "['127.0.0.1', 'localhost']"


def test_behind_https_turns_on_every_https_protection():
    complete = {"NARA_ALLOWED_HOSTS": "n.se", "NARA_PUBLIC_URL": "https://n.se"}
    plain = json.loads(load_settings(**complete).stdout)
    https = json.loads(load_settings(NARA_BEHIND_HTTPS="1", **complete).stdout)
    assert plain["SESSION_COOKIE_SECURE"] == plain["SECURE_SSL_REDIRECT"] == "False"
    assert plain["SECURE_HSTS_SECONDS"] == "0"
    assert https["SESSION_COOKIE_SECURE"] == https["CSRF_COOKIE_SECURE"] == "True"
    assert https["SECURE_SSL_REDIRECT"] == "True"
    assert int(https["SECURE_HSTS_SECONDS"]) >= 180 * 24 * 3600
    assert https["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert https["SECURE_REDIRECT_EXEMPT"] == "['^healthz$']"  # the proxy's plain health check


@pytest.mark.django_db
@override_settings(
    NARA_FEEDBACK_PER_HOUR=2, NARA_TRUSTED_PROXIES=[ipaddress.ip_network("10.0.0.1")]
)
def test_rate_limits_count_per_client_behind_the_proxy(demo):
    proxy = Client(REMOTE_ADDR="10.0.0.1")

    def send(client_ip):
        proxy.post(
            "/sv/feedback/",
            {"path": "/sv/", "helpful": "yes"},
            headers={"x-forwarded-for": client_ip},
        )

    for _ in range(3):
        send("192.0.2.1")
    send("192.0.2.2")  # another resident behind the same proxy is not blocked
    assert PageFeedback.objects.count() == 3


@pytest.mark.django_db
@override_settings(
    NARA_FEEDBACK_PER_HOUR=2, NARA_TRUSTED_PROXIES=[ipaddress.ip_network("10.0.0.1")]
)
def test_a_client_cannot_choose_its_address(demo):
    direct = Client(REMOTE_ADDR="192.0.2.9")
    for n in range(4):
        direct.post(
            "/sv/feedback/",
            {"path": "/sv/", "helpful": "yes"},
            headers={"x-forwarded-for": f"198.51.100.{n}"},
        )
    assert PageFeedback.objects.count() == 2


def test_demo_data_refuses_a_production_installation(tmp_path):
    database = tmp_path / "production.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_data"],
        cwd=ROOT,
        env=production_env(
            NARA_ALLOWED_HOSTS="nara.example.se",
            NARA_PUBLIC_URL="https://nara.example.se",
            DATABASE_URL=f"sqlite:///{database}",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Refusing to build the demo" in result.stderr
    assert "--outside-dev-mode" in result.stderr
    assert not database.exists() or database.stat().st_size == 0
