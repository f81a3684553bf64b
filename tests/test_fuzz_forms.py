"""Every form of the project, fed hostile values: never a server error, and a rejected input
changes no row.

Forms are found, not listed: every URL pattern of the project is opened (as the authorization
matrix builds it) by someone allowed to open it, every <form> in the page is read with its
fields, and hypothesis posts (or, for GET forms, queries) hostile values for those fields.
A form added anywhere in the project is fuzzed without editing this file.

Each example runs in a savepoint that is rolled back, so every example starts from the same
database and a delete or a sign-out does not starve the forms fuzzed after it.
`NARA_FUZZ_EXAMPLES` (default 6) sets the number of examples per form; the examples are the
same on every run unless `NARA_FUZZ_SEED` asks for others.
"""

import copy
import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote_from_bytes, urljoin, urlsplit

import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from nara.core.actions import booking
from nara.core.actions.feedback import do_give_feedback
from nara.core.models import Slot
from tests.workspace import conftest as workspace_fixtures
from tests.workspace import test_authorization_matrix as matrix
from tests.workspace.test_authorization_matrix import EXPECTED, all_urls, concrete

pytestmark = pytest.mark.django_db
# The authorization matrix's objects and signed-in personas, reused as fixtures here.
centres, objects, personas = workspace_fixtures.centres, matrix.objects, matrix.personas

EXAMPLES = int(os.environ.get("NARA_FUZZ_EXAMPLES", "6"))
SEED = os.environ.get("NARA_FUZZ_SEED")
# Who opens a staff page: the first of these that may.
PERSONA_ORDER = ["manager", "admin", "worker", "analyst", "other_worker", "partner"]
# Rows that may change when input is rejected: sessions, login throttling, read audit entries.
VOLATILE_MODELS = {
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "core.audithead",
    "core.ratecounter",  # every attempt counts against the rate limit, accepted or not
    "otp_totp.totpdevice",
}
FEEDBACK_ANSWERS = {"welcome": "yes", "listened": "partly", "again": "no"}
MEGABYTE = "å" * (512 * 1024)
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    MEGABYTE,
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '=HYPERLINK("http://x")',
    "0",
    "-1",
    "²",
    "١٢",
    "9" * 40,
    "-" + "9" * 40,
    "18446744073709551616",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "inf",
    "-0.0",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "0000-00-00",
    "2026-02-30",
    "24:00",
    "23:59:60",
    "true",
    "[]",
    "{}",
    "null",
    "../../etc/passwd",
    "MO,TU,WE,TH,FR,SA,SU," * 3,
    "99MO",
    "0MO",
    "-1FR",
    "1,15,32",
]
INVALID_UTF8 = [b"\xff", b"\xc3\x28", b"a\xed\xa0\x80b", b"\xf8\x88\x80\x80\x80"]
HOSTILE_FILES = [
    ("sites.geojson", b'{"type": "FeatureCollection", "features": [{"geometry": 5}]}'),
    ("sites.geojson", b'{"type": "FeatureCollection", "features": {"a": 1}}'),
    (
        "sites.geojson",
        b'{"features": [{"type": "Feature", "geometry": {"type": "Point", '
        b'"coordinates": [1e400, "x", []]}, "properties": []}]}',
    ),
    ("sites.geojson", b'{"crs": {"properties": {"name": 5}}, "features": [null]}'),
    ("sites.geojson", b"[" * 100_000 + b"]" * 100_000),
    ("sites.geojson", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("sites.json", b"\xff\xfe\x00"),
    ("sites.csv", b"name,lon,lat\n\x00,1e999,nan\n"),
    ("sites.csv", b"name,lon,lat\nx,16,58\n" * 6000),
    ("sites.csv", b'"unterminated\n'),
    ("sites.txt", b""),
    ("evil.exe", b"MZ"),
]


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea" or "file"
    values: list = field(default_factory=list)  # the value(s) the page offers
    chosen: list = field(default_factory=list)  # what the page would send as it is
    multiple: bool = False


@dataclass
class Form:
    page: str  # URL name of the page showing it
    method: str
    action: str
    multipart: bool
    fields: list = field(default_factory=list)

    @property
    def key(self):
        target = resolve(urlsplit(self.action).path).view_name
        return (self.method, target, tuple(sorted({f.name for f in self.fields})))

    def __str__(self):
        return f"{self.method.upper()} {self.action} (on {self.page})"


class FormReader(HTMLParser):
    def __init__(self, page, url):
        super().__init__(convert_charrefs=True)
        self.page, self.url, self.forms = page, url, []
        self.form = self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.url, attrs.get("action") or self.url)
            multipart = attrs.get("enctype", "") == "multipart/form-data"
            method = (attrs.get("method") or "get").lower()
            self.form = Form(self.page, method, action, multipart)
            self.forms.append(self.form)
        elif tag == "a" and "?" in attrs.get("href", ""):
            self._add_link(attrs["href"])
        elif self.form is None or not attrs.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            ticked = kind not in ("checkbox", "radio") or "checked" in attrs
            default = "on" if kind in ("checkbox", "radio") else ""
            self._add(attrs["name"], kind, attrs.get("value", default), ticked)
        elif tag == "select":
            self.select = self._add(attrs["name"], "select")
            self.select.multiple = "multiple" in attrs
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select.values.append(value)
            if "selected" in attrs:
                self.select.chosen.append(value)
        elif tag == "textarea":
            self.textarea = self._add(attrs["name"], "textarea", "", chosen=False)
        elif tag == "button":
            self._add(attrs["name"], "button", attrs.get("value", ""), chosen=False)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.values[0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.chosen = self.textarea.values[:1]
            self.textarea = None

    def _add_link(self, href):
        """A link with a query string is a GET form whose fields are its parameters."""
        url = urljoin(self.url, href)
        link = Form(self.page, "get", url.split("?")[0], False)
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
            link.fields.append(Field(name, "text", [value], [value]))
        self.forms.append(link)

    def _add(self, name, kind, value=None, chosen=True):
        found = next((f for f in self.form.fields if f.name == name), None)
        if found is None:
            found = Field(name, kind)
            self.form.fields.append(found)
        if value is not None:
            found.values.append(value)
            if chosen:
                found.chosen.append(value)
        return found


def page_forms(name, url, response):
    reader = FormReader(name, "http://testserver" + url)
    reader.feed(response.content.decode())
    return [f for f in reader.forms if urlsplit(f.action).netloc == "testserver"]


def persona_for(name):
    if name not in EXPECTED:
        return "anonymous"
    return next(p for p in PERSONA_ORDER if p in EXPECTED[name])


def discover(personas, objects):
    """Every form on every page of the project, once per view: (persona, form)."""
    seen, found = set(), []
    for name, route in all_urls():
        url = concrete(name, route, objects).replace("<str:token>", objects["token"])
        persona = persona_for(name)
        response = personas[persona].get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in page_forms(name, url, response):
            try:
                key = form.key
            except Resolver404:  # a static file, say
                continue
            if key not in seen and form.fields:
                seen.add(key)
                found.append((persona, form))
    return found


# ----- hostile values -----------------------------------------------------------------------

text_value = st.one_of(
    st.sampled_from(HOSTILE_TEXT).map(str.encode),
    st.sampled_from(INVALID_UTF8),
    st.text(max_size=20).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.integers().map(lambda n: str(n).encode()),
    st.dates().map(lambda d: d.isoformat().encode()),
    st.floats().map(lambda x: repr(x).encode()),
)


def offered(form_field):
    return form_field.values or [""]


# Numbers a number field gets more often than other fields do.
HOSTILE_NUMBERS = ["9" * 30, "-" + "9" * 30, "18446744073709551616", "1e309", "-1", "0", "²"]
number_value = st.sampled_from(HOSTILE_NUMBERS).map(str.encode)

PLAUSIBLE = {
    "date": "2027-03-01",
    "time": "10:00",
    "number": "3",
    "email": "test@example.org",
    "tel": "+46701234567",
    "password": "correct horse battery staple",
    "url": "https://example.org/",
}


def plausible(form_field):
    """What a person would send: what the page holds, or a sensible value for the field."""
    if any(form_field.chosen):
        return form_field.chosen
    if form_field.kind == "checkbox" or form_field.multiple:
        return []
    if form_field.kind in ("radio", "select"):
        return [v for v in form_field.values if v][:1] or [""]
    return [PLAUSIBLE.get(form_field.kind, "Test 12")]


@st.composite
def field_values(draw, form_field, mood):
    """A list of byte values for one field: kept, hostile, missing or duplicated."""
    if form_field.name == "csrfmiddlewaretoken":
        return [form_field.values[0].encode()]
    keep = [v.encode() for v in offered(form_field) + plausible(form_field)]
    if mood == "plausible":
        return [v.encode() for v in plausible(form_field)]
    choices = ["keep"] * 3 + ["hostile"] * 2 + ["missing", "twice"]
    if form_field.kind == "hidden":
        choices = ["keep"] * 6 + ["hostile", "missing"]
    choice = draw(st.sampled_from(choices)) if mood == "any" else "hostile"
    if choice == "keep":
        return [draw(st.sampled_from(keep))]
    if choice == "missing":
        return []
    hostile = st.one_of(number_value, text_value) if form_field.kind == "number" else text_value
    if choice == "twice":
        return [draw(st.sampled_from(keep)), draw(hostile)]
    return [draw(hostile)]


def urlencoded(pairs):
    return b"&".join(
        quote_from_bytes(k.encode()).encode() + b"=" + quote_from_bytes(v).encode()
        for k, v in pairs
    )


def multipart(pairs, files):
    boundary = b"fuzzboundary7MA4YWxkTrZu0gW"
    body = b""
    for key, value in pairs:
        body += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="'
        body += key.encode() + b'"\r\n\r\n' + value + b"\r\n"
    for key, (filename, content) in files:
        body += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + key.encode()
        body += b'"; filename="' + filename.encode() + b'"\r\n'
        body += b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    body += b"--" + boundary + b"--\r\n"
    return body, "multipart/form-data; boundary=" + boundary.decode()


@st.composite
def submissions(draw, form):
    """Half the time one hostile field among plausible ones (to reach the deeper checks)."""
    pairs, files = [], []
    names = [f.name for f in form.fields]
    target = draw(st.sampled_from(names)) if draw(st.booleans()) else None
    for form_field in form.fields:
        if form_field.kind == "file":
            if target in (None, form_field.name) and draw(st.booleans()):
                files.append((form_field.name, draw(st.sampled_from(HOSTILE_FILES))))
            continue
        mood = "any" if target is None else "hostile" if target == form_field.name else "plausible"
        pairs += [(form_field.name, v) for v in draw(field_values(form_field, mood))]
    if draw(st.integers(0, 9)) == 0:
        pairs.append((draw(st.sampled_from(HOSTILE_TEXT)), b"unexpected"))
    return pairs, files


# ----- the database before and after --------------------------------------------------------


def snapshot():
    """Row count and checksum of every domain table (read audit entries aside)."""
    state = {}
    for model in apps.get_models():
        if model._meta.label_lower in VOLATILE_MODELS:
            continue
        rows = model.objects.order_by("pk")
        if model._meta.label_lower == "core.auditevent":
            rows = (
                rows.exclude(action__endswith=".view")
                .exclude(action__startswith="user.sign")
                .exclude(action__startswith="person.search")  # looking is audited too
                .exclude(action="audit.review")
            )
        columns = [f.attname for f in model._meta.concrete_fields]
        digest = hashlib.sha256(repr(list(rows.values_list(*columns))).encode()).hexdigest()
        state[model._meta.label_lower] = (rows.count(), digest)
    return state


def changed_tables(before, after):
    return sorted(label for label in before if before[label] != after.get(label))


def shows_errors(response):
    if 400 <= response.status_code < 500:
        return True
    content = response.content if response.status_code == 200 else b""
    markers = (b"errorlist", b'class="error', b"has-error", b'aria-invalid="true"')
    return "html" in response.get("Content-Type", "") and any(m in content for m in markers)


# ----- the fuzz run --------------------------------------------------------------------------


def send(client, form, pairs, files):
    path = urlsplit(form.action).path
    if form.method != "post":
        query = urlencoded(pairs).decode()
        return client.get(path + ("?" if query else "") + query)
    if form.multipart or files:
        body, content_type = multipart(pairs, files)
    else:
        body, content_type = urlencoded(pairs), "application/x-www-form-urlencoded"
    return client.post(path, data=body, content_type=content_type)


def fuzz_form(client, form):
    """Hypothesis examples against one form; returns the first problem found, or None."""
    cookies = copy.deepcopy(client.cookies)
    baseline = snapshot()
    problems = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not SEED,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(submission=submissions(form))
    def run(submission):
        pairs, files = submission
        cache.clear()  # rate-limit counters
        client.cookies = copy.deepcopy(cookies)
        with transaction.atomic():
            try:
                check(client, form, pairs, files, baseline, problems)
            finally:
                transaction.set_rollback(True)
        assert not problems

    for pairs in number_sweep(form):  # each number field alone too large for 64 bits
        cache.clear()
        client.cookies = copy.deepcopy(cookies)
        with transaction.atomic():
            try:
                check(client, form, pairs, [], baseline, problems)
            except Exception:  # noqa: S110  (recorded in problems)
                pass
            finally:
                transaction.set_rollback(True)
        if problems:
            client.cookies = cookies
            return problems[:1]
    if SEED:  # explore beyond the fixed examples: NARA_FUZZ_SEED=<n>
        run = seed(int(SEED))(run)
    try:
        run()
    except Exception as exc:
        if not problems:  # hypothesis itself failed: say so
            problems.append(f"{form}: the fuzz run failed: {type(exc).__name__}: {exc}")
    client.cookies = cookies
    return problems[:1]


def number_sweep(form):
    """One submission per number field: that field 10**30, every other field plausible."""
    plain = [(f.name, f) for f in form.fields if f.kind != "file"]
    for name, _field in [(n, f) for n, f in plain if f.kind == "number"]:
        yield [
            (other, b"9" * 30 if other == name else value.encode())
            for other, form_field in plain
            for value in (
                [form_field.values[0]] if other == "csrfmiddlewaretoken" else plausible(form_field)
            )
        ]


def check(client, form, pairs, files, baseline, problems):
    try:
        response = send(client, form, pairs, files)
    except Exception as exc:  # the test client re-raises a view's exception
        problems.append(f"{form}: {type(exc).__name__}: {str(exc)[:200]} {_show(pairs)}")
        raise
    if response.status_code >= 500:
        problems.append(f"{form}: status {response.status_code} {_show(pairs)}")
    elif form.method == "post" and shows_errors(response):
        changed = changed_tables(baseline, snapshot())
        if changed:
            problems.append(f"{form}: rejected but changed {changed} {_show(pairs)}")


def _show(pairs):
    return repr([(k, v[:40]) for k, v in pairs])[:600]


@pytest.fixture
def booked(objects, centres, personas):
    """The objects of the authorization matrix, and a resident managing a booking (the private
    link's token is posted, as the link's script does, so the manage pages and forms open)."""
    slot = Slot.objects.filter(center=centres[0], appointments__isnull=True).first()
    _appointment, token, _code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="Fuzz", language="sv"
    )
    personas["anonymous"].post("/sv/booking/", {"token": token})
    # A feedback text waiting, so the manager's moderation form is on its page.
    do_give_feedback(center=centres[0], answers=FEEDBACK_ANSWERS, comment="Fuzz")
    return {**objects, "token": token}


@pytest.fixture
def fuzz_settings(settings):
    settings.NARA_SKIP_FORM_TIMER = True
    settings.NARA_BOOKINGS_PER_HOUR = 10_000
    settings.NARA_FEEDBACK_PER_HOUR = 10_000
    settings.AXES_ENABLED = False
    return settings


def test_every_form_survives_hostile_input(personas, booked, fuzz_settings):
    forms = discover(personas, booked)
    problems = []
    for persona, form in forms:
        problems += fuzz_form(personas[persona], form)
    assert not problems, "\n".join(problems)


EXPECTED_FORMS = {
    "public:find",
    "public:find-location",
    "public:answers",
    "public:booking-cancel",
    "public:feedback",
    "public:book",
    "public:callback",
    "public:question",
    "public:booking-code",
    "public:centre-feedback",
    "workspace:visit-feedback-moderation",
    "workspace:login",
    "workspace:centre-new",
    "workspace:centre-edit",
    "workspace:centre-catchment",
    "workspace:schedule-new",
    "workspace:schedule",
    "workspace:exception-new",
    "workspace:directory-new",
    "workspace:service-new",
    "workspace:area",
    "workspace:myth-new",
    "workspace:person-new",
    "workspace:phone-booking",
    "workspace:availability-new",
    "workspace:user-new",
    "workspace:user",
    "workspace:planning",
    "workspace:planning-sites",
    "workspace:planning-scenario-new",
    "workspace:planning-compare",
    "workspace:planning-export-csv",
    "workspace:planning-export-xlsx",
    "workspace:calendar",
    "workspace:meeting-new",
    "workspace:meeting-action-new",
    "workspace:meeting-action-status",
    "workspace:person-refer",
    "workspace:referral-status",
    "workspace:referral-meeting",
    "workspace:referral-settings",
    "workspace:partners",
    "workspace:partner-new",
    "workspace:partner-edit",
    "workspace:partner-service-new",
    "workspace:partner-service",
    "workspace:partner-service-capacity",
    "workspace:partner-hours-new",
    "workspace:partner-hours",
    "workspace:legal-basis-new",
    "workspace:legal-basis",
    "workspace:outreach-new",
    "workspace:outreach-edit",
    "workspace:group-new",
    "workspace:group-session-new",
    "workspace:group-session",
    "workspace:group-register",
    "workspace:group-waiting-add",
    "workspace:group-leave",
    "workspace:api-token-new",
    "workspace:api-token-revoke",
    "workspace:api-webhook",
    "workspace:insights",
    "workspace:insights-centre",
    "workspace:insights-area",
    "workspace:evaluation-new",
    "workspace:outcome-import",
    "workspace:insights-report",
}


def test_booking_feedback_form_survives_hostile_input(centres, fuzz_settings):
    """The form after a visit is reached only from a booking whose time has come: a resident
    managing such a booking is fuzzed there (the other forms are found by discovery)."""
    from django.test import Client

    slot = Slot.objects.filter(center=centres[0], appointments__isnull=True).first()
    _appointment, token, _code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="Fuzz", language="ar"
    )
    resident = Client()
    with time_machine.travel(slot.starts_at + dt.timedelta(hours=1)):
        resident.post("/ar/booking/", {"token": token})
        url = "/ar/booking/manage/feedback/"
        forms = page_forms("public:booking-feedback", url, resident.get(url))
        posted = [f for f in forms if urlsplit(f.action).path == url]
        assert posted and {f.name for f in posted[0].fields} >= {"welcome", "comment"}
        assert fuzz_form(resident, posted[0]) == []


def test_planning_rerun_form_survives_hostile_input(personas, objects, fuzz_settings):
    """ "Run again" is on a scenario's page only when its plan failed (the matrix's scenario is
    done): a failed scenario is made here, and its page's forms are fuzzed."""
    from nara.core.models import Municipality
    from nara.planning import actions, plans

    request = plans.PlanRequest(model="pmedian", k=2)
    scenario = actions.do_queue_scenario(
        actor="test",
        municipality=Municipality.objects.get(is_example=True),
        name="Fuzz rerun",
        model=request.model,
        parameters=request.parameters(),
    )
    _claimed, attempt = actions.do_start_scenario(scenario_id=scenario.pk)
    actions.do_fail_scenario(scenario_id=scenario.pk, attempt=attempt, message="Fuzz")
    url = f"/staff/planning/scenarios/{scenario.pk}/"
    forms = page_forms("workspace:planning-scenario", url, personas["analyst"].get(url))
    rerun = [f for f in forms if urlsplit(f.action).path.endswith("/rerun/")]
    assert rerun, "no Run again form on a failed scenario's page"
    assert fuzz_form(personas["analyst"], rerun[0]) == []


def test_insights_municipality_filter_survives_hostile_input(personas, objects, fuzz_settings):
    """The dashboards' municipality filter is a drop-down only when the user's centres are in
    two municipalities (the demo has one): a second is made here, and the filter forms of the
    municipality dashboard and the committee report are fuzzed with it among their fields."""
    from nara.core.models import Center, Municipality

    town = Municipality.objects.create(code="9998", name="Grannkommun")
    Center.objects.create(
        municipality=town,
        slug="grannby",
        name="Grannby centrum",
        street_address="Grannvägen 1",
        postal_code="123 45",
        city="Grannby",
        lon=16.5,
        lat=58.5,
    )
    for name, url in (
        ("workspace:insights", "/staff/insights/"),
        ("workspace:insights-report", "/staff/insights/report/"),
    ):
        forms = page_forms(name, url, personas["analyst"].get(url))
        filters = [f for f in forms if "municipality" in {x.name for x in f.fields}]
        assert filters, f"no municipality filter on {url}"
        chooser = next(x for x in filters[0].fields if x.name == "municipality")
        assert chooser.kind == "select" and str(town.pk) in chooser.values
        assert fuzz_form(personas["analyst"], filters[0]) == []


def test_discovery_finds_every_form(personas, booked):
    forms = discover(personas, booked)
    targets = {resolve(urlsplit(form.action).path).view_name for _persona, form in forms}
    assert targets >= EXPECTED_FORMS, sorted(EXPECTED_FORMS - targets)
    assert len(forms) > 30


def test_discovery_finds_a_newly_added_form(personas, booked, settings):
    """A form on a URL nobody told this test about is found and fuzzed."""
    settings.ROOT_URLCONF = "tests.fuzz_new_form_urls"
    forms = discover(personas, booked)
    new = [form for _persona, form in forms if form.page == "fuzz-new-form"]
    assert new and {f.name for f in new[0].fields} >= {"age", "note"}
    assert fuzz_form(personas["anonymous"], new[0]) != []  # it even finds the planted 500
