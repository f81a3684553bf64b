"""Staff in the browser: password and TOTP (first-time setup too), single sign-on through a real
local OpenID provider, what a centre's staff may open, and the manager's log review.

The sign-in helpers here are also used by test_booking_flows.py (staff answering residents).
"""

import base64
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from .crawl import AXE_RUN, AXE_TAGS, describe_violations
from .support import AXE_JS, TIMEOUT_MS, db_call, tr

pytestmark = pytest.mark.browser

STAFF_LANG = "sv"  # the staff contexts are Swedish browsers
PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
OIDC_CLIENT_ID = "nara-browser"
OIDC_CLIENT_SECRET = "nara-browser-secret-" + "y" * 32
WRONG_CODE = "The code is wrong or too old. Check the time on your phone and use the newest code."


# What the tests know about the staff side ---------------------------------------------------


@dataclass
class Centre:
    pk: int
    slug: str
    name: str
    neutral_name: str  # what pages a resident may leave open say instead of "social centre"


@dataclass
class StaffFacts:
    centre0: Centre  # Maria manages it, Anna works there
    centre1: Centre  # Omar's centre: closed to Anna


def read_staff_facts():
    from nara.core.models import Membership

    def centre_of(username):
        c = Membership.objects.select_related("center").get(user__username=username).center
        return Centre(c.pk, c.slug, c.name, c.neutral_display_name)

    return StaffFacts(centre0=centre_of("anna"), centre1=centre_of("omar"))


@pytest.fixture(scope="module")
def staff_facts(nara_site):
    return db_call(read_staff_facts)


def demo_password(username):
    from nara.core.demo import DEMO_STAFF

    return next(password for name, password, _role, _where in DEMO_STAFF if name == username)


def demo_key(username):
    """The demo account's TOTP key, as `manage.py demo_data` prints it (base32)."""
    from nara.core.demo import totp_key

    return base64.b32encode(bytes.fromhex(totp_key(2026, username))).decode()


# Accessibility checks, shared with test_booking_flows.py -------------------------------------

# IDs named by aria-describedby or aria-labelledby that no element has. axe-core lists these only
# as "needs review", yet a screen reader then reads no error message with the field.
BROKEN_ARIA_REFERENCES = """() => {
    const missing = [];
    for (const e of document.querySelectorAll('[aria-describedby], [aria-labelledby]')) {
        for (const name of ['aria-describedby', 'aria-labelledby']) {
            for (const id of (e.getAttribute(name) || '').split(/\\s+/)) {
                if (id && !document.getElementById(id)) {
                    missing.push(`<${e.localName} id="${e.id}" ${name}="${id}">: no such id`);
                }
            }
        }
    }
    return missing;
}"""


def accessibility_problems(page, label):
    """axe-core's WCAG 2.1 A/AA violations and broken ARIA references on the page, described."""
    path = urlsplit(page.url).path
    problems = []
    violations = page.evaluate(AXE_RUN, AXE_TAGS)["violations"]
    if violations:
        visit = SimpleNamespace(label=label, path=path, violations=violations)
        problems.append(describe_violations(visit))
    broken = page.evaluate(BROKEN_ARIA_REFERENCES)
    if broken:
        problems.append(f"{label} ({path}): " + "\n  ".join(["ARIA references:", *broken]))
    return problems


def axe_context(new_context, **options):
    """A browser context with axe-core in every page (a script of its own: CSP bypassed)."""
    context = new_context(bypass_csp=True, **options)
    context.add_init_script(path=str(AXE_JS))
    return context


# Codes from an "authenticator app" --------------------------------------------------------


def _device_state(username):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username).order_by("-confirmed").first()
    return device.step, device.t0, device.digits, device.tolerance, device.drift, device.last_t


def totp_code(username, base32_key):
    """A code the server will accept now, as the authenticator app shows it.

    A code is accepted once: when this account already used the current time step (two sign-ins
    within 30 seconds) take the next step, which the server's tolerance allows, or wait for it.
    Never the oldest step in the window, which could expire while the code is typed."""
    from django_otp.oath import hotp

    key = base64.b32decode(base32_key)
    step, t0, digits, tolerance, drift, last_t = db_call(_device_state, username)
    while True:
        now = int((time.time() - t0) // step)
        low, high = now + drift - tolerance, now + drift + tolerance
        counter = max(last_t + 1, low + 1)
        if counter <= high:
            return f"{hotp(key, counter, digits):0{digits}d}"
        time.sleep(step - (time.time() - t0) % step + 0.05)


def wrong_code(base32_key):
    """Six digits that are not a valid code anywhere near now."""
    from django_otp.oath import hotp

    key = base64.b32decode(base32_key)
    now = int(time.time() // 30)
    valid = {f"{hotp(key, t):06d}" for t in range(now - 3, now + 4)}
    return next(c for c in ("000000", "123456", "999999", "424242") if c not in valid)


# Signing in, as a person does it ---------------------------------------------------------------


def enter_password(page, username, password):
    page.goto("/staff/login/")
    page.get_by_label(tr(STAFF_LANG, "Username")).fill(username)
    page.get_by_label(tr(STAFF_LANG, "Password")).fill(password)
    page.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Next")).click()


def enter_code(page, code, button="Sign in"):
    label = tr(STAFF_LANG, "Six-digit code from your authenticator app")
    page.get_by_label(label).fill(code)
    page.locator("main").get_by_role("button", name=tr(STAFF_LANG, button), exact=True).click()


def sign_in(page, username):
    """A demo account: password, then the current code from the app."""
    enter_password(page, username, demo_password(username))
    page.wait_for_url("**/staff/login/verify/")
    enter_code(page, totp_code(username, demo_key(username)))
    page.wait_for_url("**/staff/")
    expect(page.locator(".who")).to_have_text(username)


def signed_in_state(browser, nara_site, username):
    """Sign in once in a throwaway context; returns the cookies for new_context(storage_state=)."""
    context = browser.new_context(base_url=nara_site.url, locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        sign_in(context.new_page(), username)
        return context.storage_state()
    finally:
        context.close()


def staff_page(new_context):
    return new_context(locale="sv-SE").new_page()


# Password and TOTP -----------------------------------------------------------------------------


def _create_social_worker(username, password, centre_pk):
    from nara.core.actions.staff import do_create_staff_user
    from nara.core.models import Center, Role

    centre = Center.objects.get(pk=centre_pk)
    do_create_staff_user(
        actor="browser-test",
        username=username,
        password=password,
        first_name=username.title(),
        roles=[(Role.SOCIAL_WORKER, centre, None)],
    )


def test_new_staff_member_enrols_with_a_one_time_link(new_context, staff_facts):
    centre = staff_facts.centre0
    admin = staff_page(new_context)
    sign_in(admin, "admin")
    admin.goto("/staff/users/new/")
    admin.get_by_label(tr(STAFF_LANG, "Username")).fill("nina")
    admin.get_by_label(tr(STAFF_LANG, "First name")).fill("Nina")
    admin.get_by_label(tr(STAFF_LANG, "Last name")).fill("Berg")
    admin.locator("#id_social_worker").get_by_label(centre.name, exact=True).check()
    admin.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Save")).click()
    link = admin.locator("[data-enrolment-link]").input_value()
    assert "/staff/enrol/" in link

    page = staff_page(new_context)  # Nina's own browser
    page.goto(link)
    page.wait_for_url("**/staff/enrol/")  # the token does not stay in the address bar
    password = "a-long-new-staff-password-2026"
    page.locator("#id_new_password1").fill(password)
    page.locator("#id_new_password2").fill(password)
    page.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Continue")).click()
    page.wait_for_url("**/staff/login/setup/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr(STAFF_LANG, "Set up two-step sign-in")
    )
    qr = page.get_by_role("img", name=tr(STAFF_LANG, "QR code for your authenticator app"))
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    secret = page.locator("code[data-totp-secret]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}=*", secret), secret

    enter_code(page, wrong_code(secret), button="Confirm and sign in")
    expect(page.locator("main")).to_contain_text(tr(STAFF_LANG, WRONG_CODE))
    # The same key is shown again: the app set up a moment ago still works.
    assert page.locator("code[data-totp-secret]").inner_text().strip() == secret
    page.wait_for_timeout(1100)  # one wrong code: the next try is allowed after a second

    enter_code(page, totp_code("nina", secret), button="Confirm and sign in")
    page.wait_for_url("**/staff/")
    # A social worker starts on the today view.
    expect(page.get_by_role("heading", level=1)).to_contain_text(tr(STAFF_LANG, "Today"))
    roles = page.locator("main p").first
    expect(roles).to_contain_text(tr(STAFF_LANG, "social worker"))
    expect(roles).to_contain_text(centre.name)

    # Next time the device is known: the code is asked for, no new key is shown.
    page.locator("header").get_by_role("button", name=tr(STAFF_LANG, "Sign out")).click()
    page.wait_for_url("**/staff/login/")
    enter_password(page, "nina", password)
    page.wait_for_url("**/staff/login/verify/")
    assert page.locator("code[data-totp-secret]").count() == 0


def test_demo_staff_member_signs_in_with_password_and_code(new_context):
    page = staff_page(new_context)
    enter_password(page, "omar", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text(tr(STAFF_LANG, "Wrong username or password."))

    enter_password(page, "omar", demo_password("omar"))
    page.wait_for_url("**/staff/login/verify/")
    # Not in yet: the workspace sends a half-signed-in user back to the second step.
    page.goto("/staff/centres/")
    page.wait_for_url("**/staff/login/verify/")

    enter_code(page, wrong_code(demo_key("omar")))
    expect(page.locator("main .errorlist")).to_have_text(tr(STAFF_LANG, WRONG_CODE))
    page.wait_for_timeout(1100)
    enter_code(page, totp_code("omar", demo_key("omar")))
    page.wait_for_url("**/staff/")
    expect(page.locator(".who")).to_have_text("omar")
    expect(page.locator("main p").first).to_contain_text(tr(STAFF_LANG, "social worker"))


# Single sign-on ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc_provider(nara_site, tmp_path_factory):
    """The test OpenID provider (tests/oidc_provider), its only client redirecting to the live
    server. Yields (discovery, accounts file, log file)."""
    node = shutil.which("node")
    if not node or not (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        pytest.skip("the test OpenID provider needs node and `npm ci --prefix tests/oidc_provider`")
    workdir = tmp_path_factory.mktemp("browser_oidc")
    accounts, log = workdir / "accounts.json", workdir / "provider.log"
    accounts.write_text("[]")
    env = {
        "PATH": str(Path(node).parent),
        "HOME": str(workdir),
        "OIDC_TEST_PORT": "0",
        "OIDC_TEST_CLIENT_ID": OIDC_CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": OIDC_CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": f"{nara_site.url}/staff/sso/callback/",
        "OIDC_TEST_ACCOUNTS_FILE": str(accounts),
    }
    with open(log, "w") as out:
        process = subprocess.Popen(
            [node, str(PROVIDER_DIR / "provider.mjs")],
            cwd=PROVIDER_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        issuer, deadline = None, time.monotonic() + 20
        while issuer is None and time.monotonic() < deadline and process.poll() is None:
            ready = [line for line in log.read_text().splitlines() if line.startswith("ready ")]
            issuer = ready[0].split()[1] if ready else time.sleep(0.05)
        if issuer is None:
            pytest.fail(f"the test OpenID provider did not start:\n{log.read_text()}")
        session = requests.Session()
        session.trust_env = False
        discovery = session.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()
        yield SimpleNamespace(discovery=discovery, accounts=accounts, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _oidc_settings(discovery):
    from django.test import override_settings

    # The live server runs in this process: overridden settings apply to its thread too.
    return override_settings(
        OIDC_OP_ISSUER=discovery["issuer"],
        OIDC_RP_CLIENT_ID=OIDC_CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=OIDC_CLIENT_SECRET,
        OIDC_OP_AUTHORIZATION_ENDPOINT=discovery["authorization_endpoint"],
        OIDC_OP_TOKEN_ENDPOINT=discovery["token_endpoint"],
        OIDC_OP_USER_ENDPOINT=discovery["userinfo_endpoint"],
        OIDC_OP_JWKS_ENDPOINT=discovery["jwks_uri"],
        OIDC_RP_SIGN_ALGO="RS256",
    )


def _memberships(username):
    from nara.core.models import Membership

    return sorted(
        (m.role, m.center.slug if m.center else None)
        for m in Membership.objects.filter(user__username=username).select_related("center")
    )


def test_single_sign_on_through_the_municipality_provider(
    new_context, nara_site, oidc_provider, staff_facts
):
    centre = staff_facts.centre0
    oidc_provider.accounts.write_text(
        json.dumps(
            [
                {
                    "sub": "sara-lind",
                    "given_name": "Sara",
                    "family_name": "Lind",
                    "email": "sara.lind@kommun.example",
                    "nara_roles": [f"centre_manager:{centre.slug}", "no_such_role"],
                }
            ]
        )
    )
    page = staff_page(new_context)
    # The provider is the one other host this browser may visit. Its development sign-in page
    # (not Nära's) asks for a web font: refused here, and not held against Nära.
    allowed_hosts = {urlsplit(oidc_provider.discovery["issuer"]).netloc, "fonts.googleapis.com"}
    page.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    guard = page.context.guard
    is_foreign = guard.is_foreign
    guard.is_foreign = lambda url: is_foreign(url) and urlsplit(url).netloc not in allowed_hosts

    with _oidc_settings(oidc_provider.discovery):
        page.goto("/staff/login/")
        page.get_by_role(
            "link", name=tr(STAFF_LANG, "Sign in with the municipality's login")
        ).click()
        page.wait_for_url(f"{oidc_provider.discovery['issuer']}/**")
        # The provider's own sign-in form (development interactions: any password).
        page.locator("input[name=login]").fill("sara-lind")
        page.locator("input[name=password]").fill("whatever the provider asks")
        page.locator("button[type=submit]").click()
        page.wait_for_url("**/staff/", timeout=2 * TIMEOUT_MS)
        assert page.url == f"{nara_site.url}/staff/"
        expect(page.locator(".who")).to_have_text("oidc:sara-lind")
        roles = page.locator("main p").first
        expect(roles).to_contain_text(tr(STAFF_LANG, "centre manager"))
        expect(roles).to_contain_text(centre.name)
        # The role works: the centre manager reviews the log, no second step asked for.
        page.locator("header").get_by_role("link", name=tr(STAFF_LANG, "Log review")).click()
        page.wait_for_url("**/staff/audit/")
        expect(page.get_by_role("heading", level=1)).to_have_text(tr(STAFF_LANG, "Log review"))
    assert db_call(_memberships, "oidc:sara-lind") == [("centre_manager", centre.slug)], (
        oidc_provider.log.read_text()
    )


# What a centre's staff may open -------------------------------------------------------------


def test_social_worker_sees_her_centre_and_is_refused_another(new_context, staff_facts):
    page = staff_page(new_context)
    sign_in(page, "anna")
    page.locator("header").get_by_role("link", name=tr(STAFF_LANG, "Centres")).click()
    page.wait_for_url("**/staff/centres/")
    page.locator("main").get_by_role("link", name=staff_facts.centre0.name).click()
    page.wait_for_url(f"**/staff/centres/{staff_facts.centre0.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(staff_facts.centre0.name)

    response = page.goto(f"/staff/centres/{staff_facts.centre1.pk}/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr(STAFF_LANG, "You do not have access to this page")
    )
    assert staff_facts.centre1.name not in page.locator("body").inner_text()
    # The calendar of the other centre is closed too.
    assert page.goto(f"/staff/centres/{staff_facts.centre1.pk}/calendar/").status == 403


def test_manager_reviews_the_log_and_verifies_the_trail(new_context, staff_facts):
    page = staff_page(new_context)
    sign_in(page, "maria")
    # Something to review: Maria opens her centre's calendar.
    page.goto(f"/staff/centres/{staff_facts.centre0.pk}/calendar/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(staff_facts.centre0.name)

    page.goto("/staff/")
    page.locator("main").get_by_role("link", name=tr(STAFF_LANG, "Log review")).click()
    page.wait_for_url("**/staff/audit/")
    page.get_by_label(tr(STAFF_LANG, "Staff")).select_option(label="maria")
    page.locator("main form.filters").get_by_role("button", name=tr(STAFF_LANG, "Show")).click()
    # The filter is posted and kept under an opaque token: nothing of it in the address.
    page.wait_for_url(re.compile(r".*/staff/audit/\?f=[\w-]+$"))
    rows = page.locator("main table tbody tr")
    # The newest entry is the review itself (looking at the log is audited too).
    expect(rows.filter(has_text=tr(STAFF_LANG, "calendar viewed")).first).to_be_visible()
    who = rows.locator("td:nth-child(2)").all_inner_texts()
    assert who and set(who) == {"maria"}, who

    page.goto("/staff/")
    verify = tr(STAFF_LANG, "Verify the audit trail")
    page.locator("main").get_by_role("link", name=verify).click()
    page.wait_for_url("**/staff/audit/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text(verify)
    intact = tr(STAFF_LANG, "The audit trail is intact: %(checked)s entries verified.")
    pattern = re.escape(intact).replace(re.escape("%(checked)s"), r"(\d+)")
    text = page.locator("main p.status").inner_text()
    match = re.fullmatch(pattern, text.strip())
    assert match and int(match.group(1)) > 0, text
    assert page.get_by_role("alert").count() == 0


# Accessibility of the sign-in pages ----------------------------------------------------------


def test_sign_in_pages_have_no_axe_violations(new_context, staff_facts):
    context = axe_context(new_context, locale="sv-SE")
    page = context.new_page()
    found = []

    def check(label):
        found.extend(accessibility_problems(page, label))

    page.goto("/staff/login/")
    check("sign-in")
    enter_password(page, "petra", "wrong")
    page.get_by_role("alert").wait_for()
    check("sign-in: wrong password")
    enter_password(page, "petra", demo_password("petra"))
    page.wait_for_url("**/staff/login/verify/")
    check("second step")
    enter_code(page, wrong_code(demo_key("petra")))
    page.locator("main .errorlist").wait_for()
    check("second step: wrong code")

    db_call(_create_social_worker, "axel", "another-long-staff-password", staff_facts.centre0.pk)
    context.clear_cookies()
    enter_password(page, "axel", "another-long-staff-password")
    page.wait_for_url("**/staff/login/setup/")
    check("set up two-step sign-in")
    enter_code(page, "12345", button="Confirm and sign in")
    page.locator("main .errorlist").wait_for()
    check("set up: code too short")
    assert not found, f"axe-core ({', '.join(AXE_TAGS)}) and ARIA:\n" + "\n\n".join(found)


def test_not_found_leads_a_social_worker_to_emergency_access_on_a_phone(new_context, staff_facts):
    """Omar, on a 360-px phone, finds nobody at his centres and asks for emergency access."""
    from tests.conftest import shared_file

    pnr = shared_file("test_personnummer.txt").read_text().split()[40]
    context = axe_context(new_context, locale="sv-SE", viewport={"width": 360, "height": 740})
    page = context.new_page()
    found = []

    def check(label):
        found.extend(accessibility_problems(page, label))
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, label
        assert pnr[2:8] not in page.url and pnr[2:8] not in page.content(), label

    sign_in(page, "omar")
    page.goto("/staff/people/")
    page.get_by_label(tr(STAFF_LANG, "Personal identity number")).fill(pnr)
    search = page.locator("main form").first
    search.get_by_role("button", name=tr(STAFF_LANG, "Find")).click()
    page.get_by_text(tr(STAFF_LANG, "No person with that number at your centres.")).wait_for()
    check("people: not at your centres")
    page.get_by_role("link", name=tr(STAFF_LANG, "Request emergency access")).click()
    page.wait_for_url("**/staff/people/emergency/")
    check("emergency access form")
    reason = page.get_by_label(
        tr(STAFF_LANG, "Describe the situation (required; reviewed by your manager)")
    )
    send = page.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Request access"))
    page.get_by_role("combobox", name=tr(STAFF_LANG, "Centre")).select_option(
        label=staff_facts.centre0.name
    )
    page.get_by_label(tr(STAFF_LANG, "Their own centre cannot be reached")).check()
    reason.fill("akut hjälp")
    send.click()
    page.locator("main .errorlist").first.wait_for()
    check("emergency access form: a reason too short")
    page.get_by_role("combobox", name=tr(STAFF_LANG, "Centre")).select_option(
        label=staff_facts.centre0.name
    )
    page.get_by_label(tr(STAFF_LANG, "Their own centre cannot be reached")).check()
    reason.fill("Pappa ringer i kris och hans eget center svarar inte")
    send.click()
    page.wait_for_url("**/staff/people/")
    expect(page.locator(".messages")).to_contain_text(staff_facts.centre0.name)
    assert not found, f"axe-core ({', '.join(AXE_TAGS)}) and ARIA:\n" + "\n\n".join(found)
