"""Helpers shared by the gunicorn benchmarks (public_pages.py, booking.py): the environment and
database of a run, a gunicorn server on a free loopback port, and CPU accounting from /proc.

Not a benchmark itself; the scripts import it from their own directory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message=""):
    print(message, flush=True)


# The machine ------------------------------------------------------------------------------


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = int(next(ln.split()[1] for ln in meminfo if ln.startswith("MemTotal")))
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem_kb / 1024 / 1024, 1)}


def cpu_busy(seconds=2.0):
    """Share of all CPUs busy over `seconds`, from /proc/stat (other load skews the results)."""

    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


def busy_before_start():
    busy = cpu_busy()
    log(f"  CPU busy before start (other processes): {busy:.0%}")
    if busy > 0.15:
        log("  WARNING: the machine is not idle; throughput and p99 will be lower and noisier")
    return busy


def busy_after_run():
    busy = cpu_busy()
    log(f"\n  CPU busy after the run (other processes): {busy:.0%}")
    return busy


def proc_stat(pid):
    """(ppid, utime + stime in seconds) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def processes():
    """(pid, ppid, CPU seconds) of every process still running."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))) is not None:
            yield int(entry.name), *stat


# Django -----------------------------------------------------------------------------------


def base_env(tmp, database_url, settings="nara.settings", **extra):
    """Production settings on `database_url`, with `tmp` importable for throwaway modules."""
    env = dict(os.environ)
    paths = [str(ROOT), str(tmp)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env.update(
        PYTHONPATH=os.pathsep.join(paths),
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=database_url,
        NARA_DEBUG="0",  # production settings, whatever the caller's shell says
        NARA_DEV_MODE="1",  # the public development keys, on 127.0.0.1 only
        NARA_ALLOWED_HOSTS="127.0.0.1,localhost",
        NARA_PUBLIC_URL="http://127.0.0.1",
        NARA_PUBLIC_URL_ALLOW_HTTP="1",  # loopback only, no TLS in a benchmark
        NARA_LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


def manage(env, *args):
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def collectstatic(env, where):
    started = time.monotonic()
    manage(env, "collectstatic", "--noinput")
    log(f"  collectstatic ({where}) in {time.monotonic() - started:.1f} s")


def load_demo_data(env):
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "demo_data", "--outside-dev-mode")  # a throwaway benchmark database


def django_script(env, script, *argv, what="script"):
    """Run `script` under Django; it prints one JSON line last, which is returned."""
    result = subprocess.run(
        [PYTHON, "-c", script, *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def csrf_token(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def csrf_cookie(jar):
    return next(c.value for c in jar if c.name == "csrftoken")


# gunicorn ---------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in its own session, so it and its workers are stopped together by its id."""

    def __init__(self, env, tmp, *, workers, worker_class, threads, label):
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.host = "127.0.0.1"
        self.port = free_port()
        self.base = f"http://{self.host}:{self.port}"
        self.log_path = Path(tmp) / f"gunicorn-{label}-{self.port}.log"
        self.env = env
        self.proc = None

    def start(self):
        cmd = [
            PYTHON, "-m", "gunicorn", "nara.wsgi:application",
            "--bind", f"{self.host}:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", self.worker_class,
            "--threads", str(self.threads),
            "--log-level", "warning",
        ]  # fmt: skip
        with open(self.log_path, "wb") as log_file:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz:\n{self.log_path.read_text()}")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # the arbiter stops its workers gracefully
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the session this script created
            self.proc.wait(timeout=10)

    def cpu_seconds(self):
        """User + system CPU time used so far by the gunicorn processes (arbiter and workers)."""
        master = self.proc.pid
        return sum(cpu for pid, ppid, cpu in processes() if master in (pid, ppid))

    def wait_idle(self, limit=60.0):
        """Wait until the workers have finished what the load left queued (so CPU time is fair)."""
        deadline = time.monotonic() + limit
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.cpu_seconds()
            if now == last:
                return
            last = now

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def problems(self):
        lines = self.log_text().splitlines()
        return [line for line in lines if "Traceback" in line or "ERROR" in line]
