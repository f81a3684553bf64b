"""A local stand-in for a 46elks-style SMS API, for tests.

``POST /a1/sms`` with HTTP Basic auth and form fields ``from``, ``to``, ``message``. Like a real
provider it deduplicates by the ``Idempotency-Key`` header: a repeated key is answered with the
first message's id and is not delivered again. Every request is recorded in ``requests``; what
would reach a phone is in ``delivered`` (one entry per key).

Test controls: ``script`` (status codes to answer the next requests with, without delivering),
``delay`` (seconds to wait before answering a delivered message, e.g. to exceed a read timeout),
``hold()``/``release()`` (keep answers back until released, e.g. to kill a worker mid-request).
"""

import base64
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PATH = "/a1/sms"


class SmsServer:
    def __init__(self, username="api-user", password="api-secret"):  # noqa: S107
        self.username, self.password = username, password
        self.requests = []  # every POST: dicts with headers and form fields
        self.delivered = {}  # idempotency key (or a fresh id without one) -> request
        self.script = []  # status codes for the next requests, e.g. [503, 429]
        self.delay = 0.0
        self._held = threading.Event()
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self._httpd = None

    # Lifecycle -------------------------------------------------------------------------

    def start(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.sms = self
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self):
        self.release()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{PATH}"

    # Controls --------------------------------------------------------------------------

    def hold(self):
        self._held.set()

    def release(self):
        self._held.clear()

    def wait_for_requests(self, count, timeout=10.0):
        """Block until at least `count` requests arrived; returns whether they did."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.requests) >= count, timeout)

    # Called by the handler -------------------------------------------------------------

    def _receive(self, record):
        with self._changed:
            self.requests.append(record)
            scripted = self.script.pop(0) if self.script else None
            answer = None
            if scripted is None and not record["problem"]:
                key = record["idempotency_key"] or f"no-key-{len(self.requests)}"
                if key not in self.delivered:
                    record["id"] = f"s{next(self._ids):08d}"
                    self.delivered[key] = record
                answer = self.delivered[key]
            self._changed.notify_all()
        return scripted, answer

    def _wait_while_held(self, limit=30.0):
        deadline = time.monotonic() + limit
        while self._held.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's naming
        server = self.server.sms
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        record = {
            "path": self.path,
            "idempotency_key": self.headers.get("Idempotency-Key", ""),
            "content_type": self.headers.get("Content-Type", ""),
            "from": form.get("from", ""),
            "to": form.get("to", ""),
            "message": form.get("message", ""),
            "problem": self._problem(server, form),
        }
        scripted, answer = server._receive(record)
        if scripted is not None:
            return self._answer(scripted, {"error": "scripted"})
        if record["problem"]:
            status, text = record["problem"]
            return self._answer(status, {"error": text})
        if server.delay:
            time.sleep(server.delay)
        server._wait_while_held()
        self._answer(
            200,
            {
                "id": answer["id"],
                "status": "created",
                "from": answer["from"],
                "to": answer["to"],
                "message": answer["message"],
                "parts": 1,
            },
        )

    def _problem(self, server, form):
        expected = base64.b64encode(f"{server.username}:{server.password}".encode()).decode()
        if self.headers.get("Authorization", "") != f"Basic {expected}":
            return (401, "unauthorized")
        if self.path != PATH:
            return (404, "not found")
        if not all(form.get(name) for name in ("from", "to", "message")):
            return (400, "missing from, to or message")
        if not re.fullmatch(r"\+\d{8,15}", form["to"]):
            return (400, "invalid to")
        return None

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (e.g. a killed worker): the message was still taken

    def log_message(self, *args):
        pass
