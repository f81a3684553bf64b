"""Whole-suite scan: personnummer, reservnummer and journal text never leave where they belong.

Every request the test suite makes (test client, live server of the browser tests) is watched:
its URL, its redirect target, the messages it queues and the attributes of its HTML; so is
every log record and the clear text of every audit entry. The sensitive values are Skatteverket's
test numbers from ../shared/data (in every written form) and the text of every journal note
saved during the run. A value found in any of those places fails the run at its end, naming
the place (never the value).
"""

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.core.handlers import base
from django.db.models.signals import pre_save

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NUMBER_FILES = ("test_personnummer.txt", "test_reservnummer.txt")


def number_forms(canonical):
    """How a 12-digit number may be written: 12 or 10 digits, with or without a dash."""
    short = canonical[2:]
    return {canonical, short, f"{canonical[:8]}-{canonical[8:]}", f"{short[:6]}-{short[6:]}"}


def load_numbers():
    numbers = set()
    for name in NUMBER_FILES:
        path = SHARED_DATA / name
        if path.exists():
            for line in path.read_text().split():
                numbers |= number_forms(line.strip())
    return numbers


class AttributeValues(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values = []

    def handle_starttag(self, tag, attrs):
        self.values += [value for _name, value in attrs if value]


def attribute_values(html):
    parser = AttributeValues()
    parser.feed(html)
    return parser.values


class LeakScanner:
    def __init__(self, numbers):
        self.numbers = numbers
        self.texts = set()
        self.found = []  # (where, what kind)
        alternatives = "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
        self._numbers = re.compile(rf"(?<!\d)(?:{alternatives})(?!\d)") if numbers else None

    def secret_in(self, text):
        if not text:
            return None
        if self._numbers and self._numbers.search(text):
            return "a test personnummer or reservnummer"
        for secret in self.texts:
            if secret in text:
                return "journal text"
        return None

    def check(self, where, text):
        kind = self.secret_in(text)
        if kind:
            self.found.append((where, kind))

    def response(self, request, response, *, from_browser):
        # A test client's URL is the test's own choice (some type a number on purpose to see
        # it ignored); a browser's URL came from the app's own links, forms and redirects.
        if from_browser:
            self.check(f"URL {request.path}", request.get_full_path())
        self.check(f"redirect from {request.path}", response.get("Location", ""))
        for message in getattr(getattr(request, "_messages", None), "_queued_messages", []):
            self.check(f"message on {request.path}", str(message))
        content_type = response.get("Content-Type", "")
        if "html" in content_type and not getattr(response, "streaming", False):
            html = response.content.decode(errors="replace")
            for value in attribute_values(html):
                self.check(f"HTML attribute on {request.path}", value)


class LogWatcher(logging.Handler):
    def __init__(self, scanner):
        super().__init__(level=logging.DEBUG)
        self.scanner = scanner

    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call is not ours to judge here
            text = str(record.msg)
        self.scanner.check(f"log record of {record.name}", text)


def install(scanner):
    """Watch responses, logs, audit entries and journal notes for the rest of the run."""
    original = base.BaseHandler.get_response

    def get_response(handler, request):
        response = original(handler, request)
        scanner.response(request, response, from_browser=type(handler).__name__ != "ClientHandler")
        return response

    base.BaseHandler.get_response = get_response
    # On the Logger class, not as a handler: a test or django.setup() may reconfigure logging.
    watcher = LogWatcher(scanner)
    original_handle = logging.Logger.handle

    def handle(logger, record):
        watcher.emit(record)
        return original_handle(logger, record)

    logging.Logger.handle = handle

    from nara.core import crypto
    from nara.core.models import AuditEvent, JournalNote

    def note_saved(sender, instance, **kwargs):
        try:
            text = crypto.decrypt(instance.text_encrypted)
        except InvalidToken:  # a test that writes rows by hand, not through encryption
            return
        if len(text) >= 12:  # short texts ("ok", "Matrix") could match anything
            scanner.texts.add(text)

    def audit_written(sender, instance, **kwargs):
        clear = f"{instance.changes} {instance.reason} {instance.object_id}"
        scanner.check(f"audit entry {instance.action}", clear)

    pre_save.connect(note_saved, sender=JournalNote, weak=False)
    pre_save.connect(audit_written, sender=AuditEvent, weak=False)


# The one scanner of the run (conftest installs it; tests of the scanner read it).
LEAKS = LeakScanner(load_numbers())
