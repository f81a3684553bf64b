"""Booking a talk under contention: throughput, tail latency and no double bookings.

Run from the repository root:  .venv/bin/python benchmarks/booking.py

Everything is set up here and removed afterwards: a temporary directory with a fresh SQLite
database (migrate, createcachetable, demo_data) and a throwaway settings module that only moves
STATIC_ROOT into that directory (collectstatic runs there, the repository is not touched). When
DATABASE_URL points at PostgreSQL the same run is repeated on a database of its own
(nara_bench_booking on the same server), created before and dropped after.

On top of the demo data the benchmark publishes S extra slots (default 240; weekdays,
08:00-18:00, 30 minutes) at the first social centre. By default they start the day after the
days the booking page lists (queries.free_slots: 21 days), so the page, and the 409 answer that
re-renders it, shows the centre's own free times all through the run instead of shrinking as
the benchmark books; --placement on-page puts them from tomorrow instead. Then it starts
gunicorn on a free loopback port (default: 4 sync workers, as public_pages.py) with
NARA_SKIP_FORM_TIMER=1 and NARA_BOOKINGS_PER_HOUR=1000000, and fires M x S booking POSTs
(default M = 5) at /<lang>/centres/<slug>/book/ from C concurrent connections (default 32). The
attempts come in groups of M for the same slot, so a slot is fought over by several requests in
flight at once: exactly one may win (302 to the booking page), the others must get 409 with the
"this time was just taken" message. Afterwards the database is counted: active appointments per
slot (double_bookings = slots with more than one, must be 0), booked slots (must be S), bookings
whose resident got an error instead of the success page (must be 0), the audit trail (one
appointment.book event per booked slot, chain intact), and the server log (500s, on_commit
errors, "database is locked", and where in the app they were raised).

The load generator is in this file: asyncio, one HTTP/1.1 request per connection ("Connection:
close"; gunicorn's sync workers close after every response anyway), a CSRF cookie and token and
a signed "shown" token taken once from a GET of the booking page, a reminder phone number in
every booking. Its latency is from connect to the last byte of the answer, queueing in the
listen backlog included. The same generator measures the baselines on the same server before
the booking run: GET /healthz (one SELECT 1) and GET of the booking page itself.

Next to the wall-clock numbers it reports CPU milliseconds per request of gunicorn (and of the
PostgreSQL backends), read from /proc: on a shared machine throughput follows the other load,
CPU per request much less.

The last line printed is one JSON object: bench, database, bookings_per_s, attempts_per_s,
p50_ms, p99_ms, attempts, slots, double_bookings, taken_answers, errors, baseline_rps,
connections, workers, attempt_cpu_ms, ... When both databases run, the object is the SQLite run
and holds the PostgreSQL run under "postgresql". Exit status 1 if any check fails.

Options: --slots, --attempts-per-slot, --connections, --workers, --worker-class, --threads,
--lang, --placement {after,on-page}, --baseline-seconds, --warmup-seconds, --max-seconds (cap
on the booking phase), --timeout (per request), --database {auto,sqlite,postgresql,both}
(auto: SQLite, and PostgreSQL too when DATABASE_URL is a postgres URL), --pg-name (default
nara_bench_booking; created and dropped on the server in DATABASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from harness import (
    ROOT,
    Server,
    base_env,
    busy_after_run,
    busy_before_start,
    collectstatic,
    csrf_cookie,
    csrf_token,
    django_script,
    load_demo_data,
    log,
    machine,
    processes,
)

BENCH_SETTINGS = """\
from pathlib import Path

from nara.settings import *  # noqa: F403

# Only difference from production settings: static files are collected into the temp dir.
STATIC_ROOT = Path(__file__).resolve().parent / "static"
"""

# Publishes the benchmark's slots; prints one JSON line. argv: slots, language.
SETUP_SCRIPT = """\
import datetime as dt
import html
import inspect
import json
import sys

import django

django.setup()
from django.utils import timezone, translation

from nara.core import queries
from nara.core.models import Availability, Center, Slot
from nara.public.booking_views import _error_text

wanted, lang, placement = int(sys.argv[1]), sys.argv[2], sys.argv[3]
centre = (
    Center.objects.filter(is_published=True, kind=Center.Kind.CENTRE).order_by("slug").first()
)
if centre is None:
    raise SystemExit("demo_data made no published social centre")
staff = list(centre.staff.order_by("order"))
worker = staff[1] if len(staff) > 1 else (staff[0] if staff else None)
today = timezone.localdate()
rule = Availability.objects.create(
    center=centre, staff_member=worker, byday="MO,TU,WE,TH,FR", opens_at=dt.time(8),
    closes_at=dt.time(18), meeting_minutes=30, valid_from=today,
    modes=["centre", "phone", "video"], interpreter_languages=[],
)
closed = set(centre.exceptions.filter(closed=True).values_list("date", flat=True))
zone = timezone.get_current_timezone()
# "after": beyond the days the booking page lists, so the page (and the 409 answer, which
# re-renders it) shows the centre's own free times all through the run; "on-page": from tomorrow.
page_days = inspect.signature(queries.free_slots).parameters["days"].default
slots, day = [], today + dt.timedelta(days=page_days + 1 if placement == "after" else 0)
first_day = None
while len(slots) < wanted:
    day += dt.timedelta(days=1)
    if day.weekday() >= 5 or day in closed:
        continue
    first_day = first_day or day
    start = dt.datetime.combine(day, dt.time(8), tzinfo=zone)
    for k in range(20):
        if len(slots) == wanted:
            break
        begins = start + dt.timedelta(minutes=30 * k)
        slots.append(Slot(
            center=centre, availability=rule, staff_member=worker, starts_at=begins,
            ends_at=begins + dt.timedelta(minutes=30), modes=rule.modes,
            interpreter_languages=[],
        ))
Slot.objects.bulk_create(slots)
ids = list(
    Slot.objects.filter(availability=rule).order_by("starts_at").values_list("pk", flat=True)
)
assert len(ids) == wanted, (len(ids), wanted)
free = queries.free_slots(centre)
shown_ids = {s.pk for s in free}
with translation.override(lang):
    taken_text = html.escape(str(_error_text("taken")))
with translation.override("en"):
    translated = lang == "en" or taken_text != html.escape(str(_error_text("taken")))
print(json.dumps({
    "centre_slug": centre.slug, "centre_name": str(centre.name), "slot_ids": ids,
    "free_on_page": len(free), "bench_slots_on_page": len(shown_ids & set(ids)),
    "page_days": page_days, "first_slot_day": str(first_day), "last_slot_day": str(day),
    "taken_text": taken_text, "taken_text_translated": translated,
    "max_slot_id": Slot.objects.order_by("-pk").values_list("pk", flat=True).first(),
}))
"""

# Counts what the database holds after the run; prints one JSON line. argv: slot ids file.
COUNT_SCRIPT = """\
import json
import sys
from collections import Counter

import django

django.setup()
from django.db.models import Count

from nara.core import audit
from nara.core.models import Appointment, AuditEvent, Reminder

ids = set(json.loads(open(sys.argv[1]).read()))
active = Appointment.objects.filter(status__in=Appointment.ACTIVE).order_by()
per_slot = dict(
    active.filter(slot_id__in=ids).values_list("slot_id").annotate(n=Count("id")).order_by()
)
histogram = Counter(per_slot.get(i, 0) for i in ids)
checked, broken, why = audit.verify_chain()
print(json.dumps({
    "slots_booked": sum(1 for n in per_slot.values() if n >= 1),
    "double_bookings": sum(1 for n in per_slot.values() if n > 1),
    "max_per_slot": max(per_slot.values(), default=0),
    "appointments_per_slot": {str(k): v for k, v in sorted(histogram.items())},
    "active_appointments": active.filter(slot_id__in=ids).count(),
    "appointments_elsewhere": active.exclude(slot_id__in=ids).count(),
    "audit_book_events": AuditEvent.objects.filter(action="appointment.book").count(),
    "audit_chain_checked": checked, "audit_chain_broken_at": broken, "audit_chain_why": why,
    "reminders": Reminder.objects.filter(appointment__slot_id__in=ids).count(),
}))
"""

PHONE = "070-123 45 67"  # a reminder number, as most residents give one: two reminders per booking


def percentile(ordered, p):
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def booking_env(tmp, database_url):
    return base_env(
        tmp,
        database_url,
        settings="bench_booking_settings",
        NARA_SKIP_FORM_TIMER="1",  # the benchmark posts at once, not after 2 s of typing
        NARA_BOOKINGS_PER_HOUR="1000000",  # every request comes from 127.0.0.1
    )


# PostgreSQL: a database of our own on the server DATABASE_URL names -------------------------


class PostgresDatabase:
    def __init__(self, url, name):
        parts = urllib.parse.urlsplit(url)
        self.original = parts.path.lstrip("/")
        if name == self.original:
            raise SystemExit(f"--pg-name {name} is the database in DATABASE_URL; choose another")
        self.name = name
        self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
        self.admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        self.created = False

    def _admin(self, sql):
        import psycopg  # in requirements.txt

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create(self):
        from psycopg import sql

        self.drop(quiet=True)  # a leftover of an interrupted run; the name is ours
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.created = True

    def drop(self, quiet=False):
        from psycopg import sql

        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        try:
            self._admin(statement.format(sql.Identifier(self.name)))
        except Exception as exc:
            if not quiet:
                log(f"  WARNING: could not drop database {self.name}: {exc}")


# The server log ---------------------------------------------------------------------------


def log_findings(server):
    """Counts from the server log, and where in the app each failure was raised."""
    lines = server.log_text().splitlines()
    where, first = {}, ""
    for i, line in enumerate(lines):
        if line != "Traceback (most recent call last):":
            continue
        j = i + 1
        while j < len(lines) and lines[j].startswith(" "):
            j += 1
        exception = lines[j].strip() if j < len(lines) else "?"
        if exception.startswith("sqlite3."):
            continue  # the cause of the django.db.utils error that follows it
        frames = [ln.strip() for ln in lines[i + 1 : j] if ln.strip().startswith('File "')]
        ours = [f for f in frames if "/nara/" in f and "/site-packages/" not in f]
        callers = [f for f in frames if "/django/db/" not in f and "/django/utils/" not in f]
        frame = (ours or callers or frames or ["?"])[-1].replace(str(ROOT) + "/", "")
        frame = re.sub(r'File ".*/site-packages/', 'File "', frame)
        key = f"{frame} -> {exception}"
        where[key] = where.get(key, 0) + 1
        first = first or "\n".join(lines[max(0, i - 1) : j + 1])
    return {
        "server_errors": sum(ln.startswith("Internal Server Error:") for ln in lines),
        "on_commit_errors": sum("in on_commit()" in ln for ln in lines),
        "database_locked": sum(
            ln.startswith("django.db.utils.OperationalError: database is locked") for ln in lines
        ),
        "worker_timeouts": sum("WORKER TIMEOUT" in ln for ln in lines),
        "where": where,
        "first_traceback": first,
    }


# CPU accounting: what the server (and PostgreSQL) spent, whatever else runs on the machine ---


CPUS = os.cpu_count() or 1


class CpuMeter:
    """CPU seconds used by gunicorn (master and workers) and by the PostgreSQL backends serving
    the benchmark database. Throughput on a shared machine swings with the other load; CPU time
    per request swings much less, so it is reported next to the wall-clock numbers.

    Django closes a database connection after CONN_MAX_AGE (60 s), and its backend process
    exits with its CPU time; a thread therefore samples every 0.2 s during a phase and keeps
    the last value seen per process."""

    def __init__(self, master_pid, pg_name=None, pg_admin_url=None):
        self.master_pid = master_pid
        self.pg_name = pg_name
        self.pg_marker = f" {pg_name} ".encode() if pg_name else None
        self.pg_admin_url = pg_admin_url
        self._seen = None
        self._stop = None
        self._thread = None

    def start(self):
        import threading

        self._seen = self.sample()
        self._before = ({**self._seen[0]}, {**self._seen[1]})
        self._stop = threading.Event()
        self._activity, self._activity_samples = {}, 0
        pg = None
        if self.pg_admin_url:  # from the maintenance database, so it is not a backend we count
            import psycopg

            pg = psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10)

        def loop():
            try:
                while not self._stop.wait(0.2):
                    self._merge(self.sample())
                    if pg is not None:
                        self._sample_activity(pg)
            finally:
                if pg is not None:
                    pg.close()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()
        self._merge(self.sample())
        used = self.used(self._before, self._seen)
        if self._activity_samples:
            n = self._activity_samples
            used["pg_backends"] = {
                k: round(v / n, 2) for k, v in sorted(self._activity.items(), key=lambda kv: -kv[1])
            }
        return used

    def _sample_activity(self, pg):
        """Average number of the benchmark's backends per state: running, waiting on a lock
        (transactionid: a loser waiting for the winner's commit on the unique index; tuple or
        relation: the audit head row), idle in a transaction, idle."""
        rows = pg.execute(
            "SELECT state, wait_event_type, wait_event, count(*) FROM pg_stat_activity "
            "WHERE datname = %s AND backend_type = 'client backend' GROUP BY 1, 2, 3",
            (self.pg_name,),
        ).fetchall()
        self._activity_samples += 1
        for state, wait_type, wait_event, count in rows:
            key = state or "?"
            if state == "active" and wait_type:
                key = f"active, waiting {wait_type}/{wait_event}"
            elif state == "idle":
                key = "idle"
            self._activity[key] = self._activity.get(key, 0) + count

    def _merge(self, sample):
        for seen, new in zip(self._seen, sample, strict=True):
            seen.update(new)

    def sample(self):
        server, db = {}, {}
        for pid, ppid, cpu in processes():
            if self.master_pid in (pid, ppid):
                server[pid] = cpu
            elif self.pg_marker:
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if cmdline.startswith(b"postgres:") and self.pg_marker in cmdline + b" ":
                    db[pid] = cpu
        return server, db

    @staticmethod
    def used(before, after):
        def delta(old, new):
            return sum(max(0.0, value - old.get(pid, 0.0)) for pid, value in new.items())

        return {"server_s": delta(before[0], after[0]), "db_s": delta(before[1], after[1])}


# The load generator -----------------------------------------------------------------------


async def http_once(host, port, raw):
    """One request on a fresh connection; returns (status, headers, body)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        else:
            body = await reader.read()
        return status, headers, body
    finally:
        writer.close()


async def _load(host, port, make_request, classify, total, connections, seconds, timeout):
    results = []  # (index, kind, status, latency_s)
    state = {"next": 0}
    deadline = time.monotonic() + seconds

    async def connection():
        while state["next"] < total and time.monotonic() < deadline:
            index = state["next"]
            state["next"] += 1
            raw = make_request(index)
            started = time.perf_counter()
            try:
                status, headers, body = await asyncio.wait_for(http_once(host, port, raw), timeout)
            except TimeoutError:
                results.append((index, "error_timeout", 0, time.perf_counter() - started))
                continue
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                kind = f"error_{type(exc).__name__}"
                results.append((index, kind, 0, time.perf_counter() - started))
                continue
            latency = time.perf_counter() - started
            results.append((index, classify(status, headers, body), status, latency))

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    wall = time.perf_counter() - wall0
    return results, wall, time.process_time() - cpu0, state["next"]


def run_load(server, make_request, classify, *, total, connections, seconds, timeout):
    """Send up to `total` requests from `connections` concurrent connections within `seconds`."""
    results, wall, client_cpu, sent = asyncio.run(
        _load(
            server.host, server.port, make_request, classify, total, connections, seconds, timeout
        )
    )
    latencies = sorted(r[3] * 1000 for r in results)
    kinds = {}
    for _i, kind, _status, _lat in results:
        kinds[kind] = kinds.get(kind, 0) + 1

    def stats(values):
        values = sorted(values)
        return {
            "p50_ms": percentile(values, 50),
            "p90_ms": percentile(values, 90),
            "p99_ms": percentile(values, 99),
            "max_ms": values[-1] if values else 0.0,
        }

    by_kind = {kind: stats(r[3] * 1000 for r in results if r[1] == kind) for kind in sorted(kinds)}
    return {
        "requests": len(results),
        "not_sent": total - sent if total < 10**12 else 0,
        "seconds": wall,
        "rps": len(results) / wall if wall else 0.0,
        "kinds": kinds,
        "by_kind": by_kind,
        "client_cpu_share": client_cpu / wall if wall else 0.0,
        "results": results,
        **stats(latencies),
    }


def build_get(server, path):
    raw = (
        f"GET {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
        "User-Agent: nara-bench-booking\r\nConnection: close\r\n\r\n"
    ).encode()
    return lambda _index: raw


def build_post(server, path, cookie, fields, tokens):
    """One POST per slot id, each with its own `shown` form token (a token is accepted once)."""

    def make(slot_id):
        body = urllib.parse.urlencode(dict(fields, slot=str(slot_id), shown=next(tokens))).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
            "User-Agent: nara-bench-booking\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body

    return make


def ok_if_200(needle):
    def classify(status, _headers, body):
        if status == 200 and needle in body:
            return "ok"
        return f"error_{status}"

    return classify


def booking_classifier(taken_text):
    taken = taken_text.encode()

    def classify(status, headers, body):
        if status == 302 and "/booking/" in headers.get("location", ""):
            return "booked"
        if status == 409:
            return "taken" if taken in body else "error_409_without_message"
        return f"error_{status}"

    return classify


# One database -----------------------------------------------------------------------------


def attempt_order(slot_ids, per_slot):
    """Each slot `per_slot` times in a row, so the attempts on a slot are in flight together."""
    return [slot for slot in slot_ids for _ in range(per_slot)]


def prepare_form(server, path):
    """GET the booking page once: CSRF cookie and token and the signed `shown` token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server.base + path, timeout=10) as response:
        page = response.read().decode()
    token = csrf_token(page)
    shown = re.search(r'name="shown" value="([^"]+)"', page).group(1)
    cookie = csrf_cookie(jar)
    return page, f"csrftoken={cookie}", token, shown


def mint_form_tokens(env, count):
    """Signed single-use form tokens, as the page would give them, made with the same secret."""
    script = (
        "import json, time, django; django.setup()\n"
        "from nara.public.guard import new_form_token\n"
        f"print(json.dumps([new_form_token(int(time.time())) for _ in range({count})]))"
    )
    return iter(django_script(env, script, what="form tokens"))


def check_post(server, path, cookie, fields, slot_id, want_status):
    body = urllib.parse.urlencode(dict(fields, slot=str(slot_id))).encode()
    request = urllib.request.Request(server.base + path, data=body)
    request.add_header("Cookie", cookie)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    if status != want_status:
        raise RuntimeError(f"POST {path} slot={slot_id}: status {status}, want {want_status}")
    return text


def without_password(url):
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def bench_database(label, database_url, args, tmp, pg=False):
    log(f"\n== {label}: {without_password(database_url)}")
    env = booking_env(tmp, database_url)
    started = time.monotonic()
    load_demo_data(env)
    target = django_script(env, SETUP_SCRIPT, str(args.slots), args.lang, args.placement)
    slot_ids = target["slot_ids"]
    log(
        f"  database ready in {time.monotonic() - started:.1f} s: demo data + {len(slot_ids)} "
        f"slots at {target['centre_name']} ({target['centre_slug']}), weekdays "
        f"{target['first_slot_day']} to {target['last_slot_day']}; the booking page lists "
        f"{target['free_on_page']} free times of the next {target['page_days']} days "
        f"({target['bench_slots_on_page']} of them ours)"
    )
    if not target["taken_text_translated"]:
        log(f"  note: the 'taken' message is not translated into {args.lang!r} (English shown)")
    config = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads}
    server = Server(env, tmp, label=label, **config)
    log(
        f"  gunicorn --workers {args.workers} --worker-class {args.worker_class} --threads "
        f"{args.threads} on {server.base}"
    )
    path = f"/{args.lang}/centres/{target['centre_slug']}/book/"
    load = {"connections": args.connections, "timeout": args.timeout}
    try:
        server.start()
        page, cookie, token, shown = prepare_form(server, path)
        offered = len(re.findall(r'name="slot" value="', page))
        if offered != target["free_on_page"]:
            raise RuntimeError(f"the page offers {offered} times, want {target['free_on_page']}")
        if args.placement == "on-page" and f'value="{slot_ids[0]}"' not in page:
            raise RuntimeError("the booking page does not offer the benchmark's first slot")
        fields = {
            "csrfmiddlewaretoken": token, "website": "", "shown": shown, "mode": "centre",
            "topic": "", "alias": "Bench", "phone": PHONE, "email": "",
            "language": args.lang, "interpreter": "",
        }  # fmt: skip
        missing = target["max_slot_id"] + 1_000_000  # a slot that does not exist: 400, no write
        check_post(server, path, cookie, fields, missing, 400)
        log(f"  checked: GET {path} (CSRF + shown token), POST of a missing slot -> 400")

        # Warm-up: every worker renders the page and the form error once (nothing is booked).
        warm = args.warmup_seconds
        run_load(server, build_get(server, "/healthz"), ok_if_200(b"ok"),
                 total=10**12, seconds=warm, **load)  # fmt: skip
        run_load(server, build_get(server, path), ok_if_200(b"csrfmiddlewaretoken"),
                 total=10**12, seconds=warm, **load)  # fmt: skip
        tokens = mint_form_tokens(
            server.env, 5 * args.connections + len(slot_ids) * args.attempts_per_slot
        )
        make_missing = build_post(server, path, cookie, fields, tokens)
        run_load(server, lambda _i: make_missing(missing), lambda s, h, b: str(s),
                 total=4 * args.connections, seconds=30, **load)  # fmt: skip

        log(f"  load generator: asyncio, {args.connections} connections, a new one per request")
        base = args.baseline_seconds
        pg_name = urllib.parse.urlsplit(database_url).path.lstrip("/") if pg else None
        admin = None
        if pg:
            admin = urllib.parse.urlunsplit(
                urllib.parse.urlsplit(database_url)._replace(path="/postgres")
            )
        meter = CpuMeter(server.proc.pid, pg_name, admin)

        def measured(*a, **kw):
            meter.start()
            try:
                result = run_load(*a, **kw)
            finally:
                cpu = meter.stop()
            return dict(result, cpu=cpu)

        healthz = measured(server, build_get(server, "/healthz"), ok_if_200(b"ok"),
                           total=10**12, seconds=base, **load)  # fmt: skip
        show(f"GET /healthz ({base:g}s)", healthz)
        page_get = measured(server, build_get(server, path), ok_if_200(b"csrfmiddlewaretoken"),
                            total=10**12, seconds=base, **load)  # fmt: skip
        show(f"GET booking page ({base:g}s)", page_get)

        order = attempt_order(slot_ids, args.attempts_per_slot)
        make_booking = build_post(server, path, cookie, fields, tokens)
        booking = measured(
            server, lambda i: make_booking(order[i]), booking_classifier(target["taken_text"]),
            total=len(order), seconds=args.max_seconds, **load,
        )  # fmt: skip
        show(f"POST book ({len(order)} attempts)", booking)
    finally:
        server.stop()
    findings = log_findings(server)
    ids_file = Path(tmp) / f"slot-ids-{label}.json"
    ids_file.write_text(json.dumps(slot_ids))
    counted = django_script(env, COUNT_SCRIPT, str(ids_file))
    return summarise(label, args, target, healthz, page_get, booking, counted, findings)


def cpu_ms(r, part=None):
    """CPU milliseconds per request: server + database, or one `part` of them."""
    cpu = r["cpu"]
    seconds = cpu[part] if part else cpu["server_s"] + cpu["db_s"]
    return 1000 * seconds / max(r["requests"], 1)


def server_cpus(r):
    """How many CPUs the server (and database) actually got during the phase."""
    return (r["cpu"]["server_s"] + r["cpu"]["db_s"]) / max(r["seconds"], 1e-9)


def show(name, r):
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["kinds"].items()))
    db = f" (db {cpu_ms(r, 'db_s'):.1f})" if r["cpu"]["db_s"] else ""
    log(
        f"  {name:<28} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  p90 "
        f"{r['p90_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  "
        f"[{kinds}]  CPU/request {cpu_ms(r):.1f} ms{db}, server got {server_cpus(r):.2f} CPUs, "
        f"client CPU {r['client_cpu_share']:.0%}"
    )


def summarise(label, args, target, healthz, page_get, booking, counted, findings):
    kinds = booking["kinds"]
    booked, taken = kinds.get("booked", 0), kinds.get("taken", 0)
    errors = {k: v for k, v in kinds.items() if k.startswith("error")}
    errors_total = sum(errors.values()) + booking["not_sent"]
    seconds = booking["seconds"]
    slots = len(target["slot_ids"])
    row = {
        "bench": "booking",
        "database": label,
        "bookings_per_s": round(booked / seconds, 1),
        "attempts_per_s": round(booking["requests"] / seconds, 1),
        "p50_ms": round(booking["p50_ms"], 1),
        "p90_ms": round(booking["p90_ms"], 1),
        "p99_ms": round(booking["p99_ms"], 1),
        "max_ms": round(booking["max_ms"], 1),
        "booked_p50_ms": round(booking["by_kind"].get("booked", {}).get("p50_ms", 0), 1),
        "booked_p99_ms": round(booking["by_kind"].get("booked", {}).get("p99_ms", 0), 1),
        "taken_p50_ms": round(booking["by_kind"].get("taken", {}).get("p50_ms", 0), 1),
        "taken_p99_ms": round(booking["by_kind"].get("taken", {}).get("p99_ms", 0), 1),
        "attempts": booking["requests"],
        "attempts_planned": slots * args.attempts_per_slot,
        "not_sent": booking["not_sent"],
        "booking_seconds": round(seconds, 2),
        "slots": slots,
        "attempts_per_slot": args.attempts_per_slot,
        "booked_answers": booked,
        "taken_answers": taken,
        "errors": errors_total,
        "error_kinds": errors,
        "slots_booked": counted["slots_booked"],
        "double_bookings": counted["double_bookings"],
        "max_appointments_per_slot": counted["max_per_slot"],
        # booked in the database, but the resident got an error instead of the success page
        "bookings_without_answer": counted["slots_booked"] - booked,
        "appointments_elsewhere": counted["appointments_elsewhere"],
        "audit_book_events": counted["audit_book_events"],
        "audit_chain_ok": counted["audit_chain_broken_at"] is None,
        "reminders": counted["reminders"],
        "baseline": "GET /healthz",
        "baseline_rps": round(healthz["rps"], 1),
        "baseline_p99_ms": round(healthz["p99_ms"], 1),
        "baseline_errors": sum(v for k, v in healthz["kinds"].items() if k != "ok"),
        "page_get_rps": round(page_get["rps"], 1),
        "page_get_p99_ms": round(page_get["p99_ms"], 1),
        "page_get_errors": sum(v for k, v in page_get["kinds"].items() if k != "ok"),
        "attempts_to_baseline": round(booking["rps"] / healthz["rps"], 3) if healthz["rps"] else 0,
        "attempts_to_page_get": round(booking["rps"] / page_get["rps"], 3)
        if page_get["rps"]
        else 0,
        "baseline_cpu_ms": round(cpu_ms(healthz), 2),
        "page_get_cpu_ms": round(cpu_ms(page_get), 2),
        "attempt_cpu_ms": round(cpu_ms(booking), 2),
        "attempt_db_cpu_ms": round(cpu_ms(booking, "db_s"), 2),
        "server_cpus_during_booking": round(server_cpus(booking), 2),
        "cpu_bound_attempts_per_s": round(CPUS * 1000 / max(cpu_ms(booking), 1e-9), 1),
        "cpu_bound_baseline_rps": round(CPUS * 1000 / max(cpu_ms(healthz), 1e-9), 1),
        "attempt_to_baseline_cpu": round(cpu_ms(healthz) / max(cpu_ms(booking), 1e-9), 3),
        "pg_backends_during_booking": booking["cpu"].get("pg_backends"),
        "free_times_on_page": target["free_on_page"],
        "placement": args.placement,
        "client_cpu_share": round(booking["client_cpu_share"], 3),
        "server_log": {k: v for k, v in findings.items() if k != "first_traceback"},
        "connections": args.connections,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads,
    }
    checks = {
        "double_bookings == 0": row["double_bookings"] == 0,
        "errors == 0": row["errors"] == 0,
        f"slots booked == {slots}": row["slots_booked"] == slots,
        "every booked slot got its success answer": booked == row["slots_booked"],
        "no booking outside the benchmark's slots": row["appointments_elsewhere"] == 0,
        "one audit event per booked slot": row["audit_book_events"] == row["slots_booked"],
        "audit chain intact": row["audit_chain_ok"],
    }
    row["ok"] = all(checks.values())
    log(
        f"  {label}: {row['bookings_per_s']} bookings/s, {row['attempts_per_s']} attempts/s "
        f"({row['attempts_to_baseline']:.0%} of GET /healthz, {row['attempts_to_page_get']:.0%} "
        f"of the page GET); p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms "
        f"(booked p99 {row['booked_p99_ms']} ms, taken p99 {row['taken_p99_ms']} ms)"
    )
    log(
        f"  CPU per request (load-independent): booking attempt {row['attempt_cpu_ms']} ms "
        f"(database {row['attempt_db_cpu_ms']} ms), GET /healthz {row['baseline_cpu_ms']} ms, "
        f"page GET {row['page_get_cpu_ms']} ms; {CPUS} CPUs doing nothing else would serve "
        f"~{row['cpu_bound_attempts_per_s']} attempts/s"
    )
    if row["pg_backends_during_booking"]:
        states = ", ".join(f"{k} {v}" for k, v in row["pg_backends_during_booking"].items())
        log(f"  PostgreSQL backends during the booking run (average count): {states}")
    log(
        f"  database: {row['slots_booked']}/{slots} slots booked, appointments per slot "
        f"{counted['appointments_per_slot']}, double bookings {row['double_bookings']}; answers: "
        f"{booked} booked, {taken} taken (409), errors {row['errors']} {errors or ''}"
    )
    log(
        f"  audit: {row['audit_book_events']} appointment.book events, chain "
        f"{'intact' if row['audit_chain_ok'] else 'BROKEN: ' + counted['audit_chain_why']} "
        f"({counted['audit_chain_checked']} events); reminders queued {row['reminders']}"
    )
    if any(findings[k] for k in ("server_errors", "on_commit_errors", "database_locked")):
        log(
            f"  server log: {findings['server_errors']} answers 500, "
            f"{findings['on_commit_errors']} on_commit errors (logged, not answered), "
            f"{findings['database_locked']} x 'database is locked', "
            f"{findings['worker_timeouts']} worker timeouts; raised at:"
        )
        for where, count in sorted(findings["where"].items(), key=lambda kv: -kv[1]):
            log(f"    {count} x {where}")
        log("  first traceback:")
        for line in findings["first_traceback"].splitlines()[-40:]:
            log(f"    {line}")
    for name, passed in checks.items():
        if not passed:
            log(f"  CHECK FAILED: {name}")
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slots", type=int, default=240)
    parser.add_argument("--attempts-per-slot", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--lang", default="sv")
    parser.add_argument(
        "--placement",
        choices=["after", "on-page"],
        default="after",
        help="benchmark slots after the days the booking page lists (default), or from tomorrow",
    )
    parser.add_argument("--baseline-seconds", type=float, default=5)
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--max-seconds", type=float, default=300, help="cap on the booking run")
    parser.add_argument("--timeout", type=float, default=30, help="per request, seconds")
    parser.add_argument(
        "--database", choices=["auto", "sqlite", "postgresql", "both"], default="auto"
    )
    parser.add_argument("--pg-name", default="nara_bench_booking")
    args = parser.parse_args()
    if args.slots < 1 or args.attempts_per_slot < 1 or args.connections < 1:
        raise SystemExit("--slots, --attempts-per-slot and --connections must be positive")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks

    env_url = os.environ.get("DATABASE_URL", "")
    is_pg = env_url.startswith(("postgres://", "postgresql://", "pgsql://"))
    wanted = {
        "auto": ["sqlite"] + (["postgresql"] if is_pg else []),
        "sqlite": ["sqlite"],
        "postgresql": ["postgresql"],
        "both": ["sqlite", "postgresql"],
    }[args.database]
    if "postgresql" in wanted and not is_pg:
        raise SystemExit("PostgreSQL needs DATABASE_URL=postgres://user@host:port/db")

    info = machine()
    log(
        f"booking: {info['nproc']} CPUs ({info['cpu']}), {info['mem_gib']} GiB, Python "
        f"{sys.version.split()[0]}; {args.slots} slots x {args.attempts_per_slot} attempts, "
        f"{args.connections} connections"
    )
    busy_before = busy_before_start()
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="nara-bench-booking-"))
    postgres = None
    try:
        (tmp / "bench_booking_settings.py").write_text(BENCH_SETTINGS)
        collectstatic(booking_env(tmp, f"sqlite:///{tmp / 'static.sqlite3'}"), "into the temp dir")
        for database in wanted:
            if database == "sqlite":
                sqlite_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
                rows.append(bench_database("sqlite", sqlite_url, args, tmp))
            else:
                postgres = PostgresDatabase(env_url, args.pg_name)
                postgres.create()
                try:
                    rows.append(bench_database("postgresql", postgres.url, args, tmp, pg=True))
                finally:
                    postgres.drop()
                    postgres = None
    finally:
        if postgres is not None:
            postgres.drop()
        shutil.rmtree(tmp, ignore_errors=True)
    busy_after = busy_after_run()
    row = dict(rows[0])
    for other in rows[1:]:
        row[other["database"]] = {k: v for k, v in other.items() if k != "bench"}
    row["all_ok"] = all(r["ok"] for r in rows)
    row.update(
        machine=info, cpu_busy_before=round(busy_before, 3), cpu_busy_after=round(busy_after, 3)
    )
    log(
        "  result: "
        + "; ".join(
            f"{r['database']} {'OK' if r['ok'] else 'FAILED'} ({r['double_bookings']} double "
            f"bookings, {r['errors']} errors)"
            for r in rows
        )
    )
    print(json.dumps(row), flush=True)
    return 0 if row["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
