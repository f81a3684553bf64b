"""The shipped deployment files (deploy/, docs/deployment.md) match what the code does."""

import configparser
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.test_readme_settings import settings_read_by_the_code

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def env_example():
    lines = (DEPLOY / "nara.env.example").read_text().splitlines()
    pairs = (ln.split("=", 1) for ln in lines if ln.strip() and not ln.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_every_variable_in_the_example_env_file_is_read_by_nara():
    keys = re.findall(r"""_key\(\s*["']([A-Z_]+)["']""", (ROOT / "nara/settings.py").read_text())
    assert {"NARA_SECRET_KEY", "NARA_FIELD_KEYS", "NARA_AUDIT_KEY"} <= set(keys)
    read = settings_read_by_the_code() | set(keys) | {"DJANGO_SETTINGS_MODULE"}
    # Every setting may also be given as NAME_FILE (nara/settings.py env()).
    unknown = [n for n in env_example() if n not in read and n.removesuffix("_FILE") not in read]
    assert not unknown, f"not read by the code: {unknown}"


def test_the_example_env_file_gives_all_three_keys_and_the_anchor_as_files():
    example = env_example()
    for key in ("NARA_SECRET_KEY", "NARA_FIELD_KEYS", "NARA_AUDIT_KEY"):
        assert example.get(f"{key}_FILE", "").startswith("/etc/nara/"), key
        assert key not in example, f"{key} belongs in a file, not in the env file"
    assert example["NARA_AUDIT_ANCHOR_FILE"]


def test_the_units_may_write_the_anchor_file_and_anchor_hourly():
    anchor = Path(env_example()["NARA_AUDIT_ANCHOR_FILE"])
    for name in ("nara-web.service", "nara-worker.service", "nara-daily.service"):
        writable = unit(name)["Service"]["ReadWritePaths"].split()
        assert any(anchor.is_relative_to(path) for path in writable), name
    service = unit("nara-anchor.service")["Service"]
    assert service["ExecStart"].endswith("manage.py anchor_audit")
    assert service["User"] == "nara"
    assert service["EnvironmentFile"] == "/etc/nara/nara.env"
    assert any(anchor.is_relative_to(p) for p in service["ReadWritePaths"].split())
    assert unit("nara-anchor.timer")["Timer"]["OnCalendar"] == "hourly"
    # The same path everywhere an operator reads about it.
    for doc in ("deployment.md", "operations.md", "security.md"):
        assert str(anchor) in (ROOT / "docs" / doc).read_text(), doc


def test_deployment_guide_grants_the_runtime_role_with_grant_app_role_after_every_migrate():
    guide = (ROOT / "docs" / "deployment.md").read_text()
    # As a statement to run (the text may warn against it): it grants UPDATE/DELETE on the trail.
    assert not re.search(r"^\s*ALTER DEFAULT PRIVILEGES", guide, re.MULTILINE)
    settings_section = guide[guide.index("## 2. Settings") : guide.index("## 3. ")]
    for name in ("NARA_SECRET_KEY_FILE", "NARA_FIELD_KEYS_FILE", "NARA_AUDIT_KEY_FILE"):
        assert name in settings_section
    assert "manage.py rotate_keys" in settings_section
    lines = guide.splitlines()
    migrates = [i for i, ln in enumerate(lines) if re.search(r"manage\.py migrate\s*$", ln)]
    assert len(migrates) >= 2  # installation and upgrade
    for i in migrates:
        following = [ln for ln in lines[i + 1 : i + 4] if "createcachetable" not in ln]
        assert "manage.py grant_app_role nara_app" in following[0], lines[i]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_copy_of_the_site(tmp_path, http, https, upstream):
    """deploy/nginx/nara.conf on loopback ports with a throwaway certificate, runnable as is."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=nara.test",
         "-days", "1", "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "nara.conf").read_text()
    site = "\n".join(ln for ln in site.splitlines() if "listen [::]" not in ln)
    for old, new in {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl": f"listen 127.0.0.1:{https} ssl",
        "/etc/ssl/nara/fullchain.pem": str(tmp_path / "cert.pem"),
        "/etc/ssl/nara/privkey.pem": str(tmp_path / "key.pem"),
        "/var/log/nginx/nara.access.log": str(tmp_path / "access.log"),
        "127.0.0.1:8000": f"127.0.0.1:{upstream}",
    }.items():
        assert old in site
        site = site.replace(old, new)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n{site}\n}}\n"
    )
    return conf


def get(scheme, port, path):
    """One request, redirects not followed (no gunicorn behind it: 502, logged all the same)."""
    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=3, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    connection.request("GET", path, headers={"Host": "nara.example.se"})
    connection.getresponse().read()
    connection.close()


@pytest.mark.skipif(not Path(NGINX).exists() or not shutil.which("openssl"), reason="no nginx")
def test_nginx_log_leaves_out_the_token_of_an_old_private_link(tmp_path):
    http_port, https_port, upstream = free_port(), free_port(), free_port()
    conf = local_copy_of_the_site(tmp_path, http_port, https_port, upstream)
    check = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    subprocess.run([NGINX, "-p", str(tmp_path), "-c", str(conf)], check=True)
    try:
        time.sleep(0.3)
        token = "Zk3xQ9vB2mT7wR4pL8sN"
        for scheme, port in (("http", http_port), ("https", https_port)):
            get(scheme, port, f"/sv/booking/{token}/")
            get(scheme, port, f"/ar/booking/{token}")
            get(scheme, port, "/sv/booking/manage/")
            get(scheme, port, "/sv/find/?q=Storgatan+12")
    finally:
        pid_file = tmp_path / "nginx.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGQUIT)
            time.sleep(0.2)
    log = (tmp_path / "access.log").read_text()
    assert token not in log
    assert log.count('"GET /sv/booking/[redacted]/"') == 2
    assert log.count('"GET /ar/booking/[redacted]"') == 2
    assert log.count('"GET /sv/booking/manage/"') == 2  # the session page, no secret in it
    assert log.count('"GET /sv/find/"') == 2 and "Storgatan" not in log
