"""Single sign-on against a real OpenID provider (panva/oidc-provider, started by the tests).

Nothing in mozilla-django-oidc is mocked: the Django test client is the staff member's
browser on Nära, a `requests` session is the same browser on the provider, and the backend
exchanges the code at the provider's token endpoint, reads the userinfo endpoint and checks
the ID token's RS256 signature against the provider's JWKS, all over real HTTP.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.utils.html import escape

from nara.core.models import AuditEvent, Center, Membership, Role
from nara.workspace.oidc import roles_from_claims

pytestmark = pytest.mark.django_db

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
CLIENT_ID = "nara-test"
CLIENT_SECRET = "nara-test-secret-" + "x" * 32
# mozilla-django-oidc sends absolutify(request, reverse("oidc_authentication_callback")).
REDIRECT_URI = "http://testserver/staff/sso/callback/"
SSO_FAILED = (
    "Single sign-on did not give you a role in Nära.",
    "Den gemensamma inloggningen gav dig ingen roll i Nära.",
)


class OIDCProvider:
    def __init__(self, issuer, accounts_file, log):
        self.issuer, self.accounts_file, self.log = issuer, accounts_file, log
        discovery = f"{issuer}/.well-known/openid-configuration"
        self.discovery = requests.get(discovery, timeout=5).json()

    def set_accounts(self, *accounts):
        """The provider re-reads this file at every look-up: claims change at the next sign-in."""
        self.accounts_file.write_text(json.dumps(list(accounts)))

    def output(self):
        """What the provider printed (warnings, server errors), for failure messages."""
        return self.log.read_text(errors="replace")


def _install(node, npm):
    """`npm ci` once, under a lock so parallel test workers do not install over each other."""
    with open(PROVIDER_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
            return
        done = subprocess.run(
            [npm, "ci", "--prefix", str(PROVIDER_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.skip(
                "`npm ci --prefix tests/oidc_provider` failed (is the npm registry reachable?):\n"
                + (done.stderr or done.stdout)[-2000:]
            )


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to run the test OpenID provider (tests/oidc_provider)")
    _install(node, npm)
    workdir = tmp_path_factory.mktemp("oidc_provider")
    accounts_file, log = workdir / "accounts.json", workdir / "provider.log"
    accounts_file.write_text("[]")
    env = {
        "PATH": str(Path(node).parent),
        "HOME": str(workdir),
        "OIDC_TEST_PORT": "0",  # the provider picks a free port and names it in "ready <issuer>"
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": REDIRECT_URI,
        "OIDC_TEST_ACCOUNTS_FILE": str(accounts_file),
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
        issuer = None
        deadline = time.monotonic() + 90  # a loaded CI machine can be slow to start node
        while issuer is None and time.monotonic() < deadline and process.poll() is None:
            ready = [line for line in log.read_text().splitlines() if line.startswith("ready ")]
            issuer = ready[0].split()[1] if ready else time.sleep(0.05)
        if issuer is None:
            pytest.fail(f"the test OpenID provider did not start:\n{log.read_text()}")
        yield OIDCProvider(issuer, accounts_file, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def sso(provider, settings):
    """Nära configured for the provider, its endpoints taken from discovery."""
    found = provider.discovery
    settings.OIDC_OP_ISSUER = found["issuer"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = found["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_USE_PKCE = True
    provider.set_accounts()
    return provider


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = unescape(attrs.get("value") or "")


def at_provider(provider, authorize_url, login, browser=None):
    """The browser at the provider: type `login` into its sign-in form if it shows one.

    Returns the URL the provider finally sends the browser to (our callback).
    """
    assert authorize_url.startswith(provider.discovery["authorization_endpoint"] + "?")
    browser = browser or requests.Session()
    browser.trust_env = False
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _step in range(12):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(provider.issuer):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, f"{response.text}\n{provider.output()}"
        parser = _Forms()
        parser.feed(response.text)
        sign_in = [f for f in parser.forms if f["fields"].get("prompt") == "login"]
        assert sign_in, f"no sign-in form at the provider:\n{response.text[:2000]}"
        form = sign_in[0]
        fields = {**form["fields"], "login": login, "password": "any password"}
        action = urljoin(response.url, form["action"])
        response = browser.post(action, data=fields, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back to Nära")


def back_at_nara(client, location):
    """The browser follows the provider's redirect to our callback (same Django session)."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI, location
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_sso(provider, login, client=None):
    client = client or Client()
    start = client.get("/staff/sso/start/")
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.url).query)
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    callback = back_at_nara(client, at_provider(provider, start.url, login))
    return client, callback


def account(sub, *roles, given_name="Sara", family_name="Lind"):
    return {
        "sub": sub,
        "given_name": given_name,
        "family_name": family_name,
        "email": f"{sub}@kommun.example",
        "nara_roles": list(roles),
    }


def signed_in_user(client):
    pk = client.session.get(SESSION_KEY)
    return get_user_model().objects.filter(pk=pk).first() if pk else None


def test_social_worker_signs_in_and_sees_only_her_centre(sso, centres):
    mine, other = centres[0], centres[1]
    sso.set_accounts(account("sw-100", f"social_worker:{mine.code}"))

    client, callback = sign_in_with_sso(sso, "sw-100")

    assert callback.status_code == 302 and callback.url == "/staff/"
    signed_in = signed_in_user(client)
    assert signed_in.username == "oidc:sw-100"
    assert (signed_in.first_name, signed_in.last_name) == ("Sara", "Lind")
    assert signed_in.email == "sw-100@kommun.example" and signed_in.is_staff
    assert client.session["nara_signed_in_with"] == "oidc"
    assert client.get("/staff/").status_code == 200  # no TOTP step after single sign-on
    page = client.get("/staff/centres/")
    assert page.status_code == 200
    assert escape(mine.name) in page.content.decode()
    assert escape(other.name) not in page.content.decode()
    assert client.get(f"/staff/centres/{mine.pk}/").status_code == 200
    assert client.get(f"/staff/centres/{other.pk}/").status_code == 403
    memberships = Membership.objects.filter(user=signed_in)
    assert [(m.role, m.center_id, m.partner_id) for m in memberships] == [
        (Role.SOCIAL_WORKER, mine.pk, None)
    ]
    events = AuditEvent.objects.filter(action="user.sign_in", actor_id=signed_in.pk)
    assert [e.changes for e in events] == [{"method": "oidc"}]


def test_roles_follow_the_claims_at_every_sign_in(sso, centres):
    first, second = centres[0], centres[1]
    sso.set_accounts(account("sw-200", f"social_worker:{first.code}"))
    client, _ = sign_in_with_sso(sso, "sw-200")
    assert client.get(f"/staff/centres/{first.pk}/").status_code == 200
    assert client.get(f"/staff/centres/{second.pk}/").status_code == 403

    # She moved to the second centre and manages it; the provider now says so.
    sso.set_accounts(
        account(
            "sw-200",
            f"centre_manager:{second.code}",
            "not_a_role",
            "social_worker:no-such-centre",
            given_name="Sara",
            family_name="Lind-Ek",
        )
    )
    client, callback = sign_in_with_sso(sso, "sw-200")

    assert callback.url == "/staff/"
    again = signed_in_user(client)
    assert again.username == "oidc:sw-200" and again.last_name == "Lind-Ek"
    assert [(m.role, m.center_id) for m in Membership.objects.filter(user=again)] == [
        (Role.CENTRE_MANAGER, second.pk)
    ]
    assert client.get(f"/staff/centres/{first.pk}/").status_code == 403
    assert client.get(f"/staff/centres/{second.pk}/").status_code == 200
    assert AuditEvent.objects.filter(action="user.roles", object_id=str(again.pk)).count() == 2
    assert AuditEvent.objects.filter(action="user.sign_in", actor_id=again.pk).count() == 2


def test_account_without_a_recognised_role_is_refused(sso, centres):
    sso.set_accounts(
        account("nobody-1", "social_worker", "centre_manager:no-such-centre", "gardener")
    )

    client, callback = sign_in_with_sso(sso, "nobody-1")

    assert callback.status_code == 302 and callback.url == "/staff/login/?sso=failed"
    assert signed_in_user(client) is None
    assert "nara_signed_in_with" not in client.session
    page = client.get(callback.url)
    assert page.status_code == 200
    assert any(escape(text) in page.content.decode() for text in SSO_FAILED)
    assert client.get("/staff/").url.startswith("/staff/login/")
    assert not get_user_model().objects.filter(username="oidc:nobody-1").exists()


def test_single_sign_on_is_off_unless_configured(demo, client, settings):
    # As by default: no NARA_OIDC_* in the environment.
    settings.OIDC_RP_CLIENT_ID = settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    assert client.get("/staff/sso/start/").status_code == 404
    assert client.get("/staff/sso/callback/?code=x&state=y").status_code == 404
    assert "/staff/sso/start/" not in client.get("/staff/login/").content.decode()


def test_tampered_state_signs_nobody_in(sso, centres):
    sso.set_accounts(account("sw-300", f"social_worker:{centres[0].code}"))
    client = Client()
    start = client.get("/staff/sso/start/")
    location = at_provider(sso, start.url, "sw-300")
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert set(query) >= {"code", "state"}

    tampered = client.get(parts.path, {"code": query["code"][0], "state": "x" + query["state"][0]})
    assert tampered.status_code == 400
    assert signed_in_user(client) is None

    # The right state, but in another browser (login CSRF): refused too.
    stranger = Client()
    elsewhere = stranger.get(parts.path, {"code": query["code"][0], "state": query["state"][0]})
    assert elsewhere.status_code == 302 and elsewhere.url == "/staff/login/?sso=failed"
    assert signed_in_user(stranger) is None
    assert not get_user_model().objects.filter(username="oidc:sw-300").exists()
    assert not AuditEvent.objects.filter(action="user.sign_in", changes={"method": "oidc"}).exists()


@pytest.fixture
def deactivated(sso, centres):
    """An OIDC account an administrator deactivated in Nära; the provider still knows her."""
    sso.set_accounts(account("gone-1", f"social_worker:{centres[0].code}"))
    sign_in_with_sso(sso, "gone-1")
    gone = get_user_model().objects.get(username="oidc:gone-1")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return gone


def test_deactivated_account_is_refused_and_no_sign_in_is_audited(sso, deactivated):
    sign_ins = AuditEvent.objects.filter(action="user.sign_in", actor_id=deactivated.pk).count()

    browser, refused = sign_in_with_sso(sso, "gone-1")

    assert refused.status_code == 302 and refused.url == "/staff/login/?sso=failed"
    assert signed_in_user(browser) is None
    assert "nara_signed_in_with" not in browser.session
    after = AuditEvent.objects.filter(action="user.sign_in", actor_id=deactivated.pk).count()
    assert after == sign_ins, "a refused sign-in is in the audit trail as a sign-in"


def test_refused_sso_does_not_stand_in_for_a_second_factor(sso, deactivated):
    browser, refused = sign_in_with_sso(sso, "gone-1")
    assert refused.url == "/staff/login/?sso=failed" and signed_in_user(browser) is None

    # Someone who knows Anna's password, but not her TOTP code, in that same browser:
    browser.post("/staff/login/", {"username": "anna", "password": "demo-anna-pass-2026"})
    assert signed_in_user(browser).username == "anna"
    page = browser.get("/staff/centres/")
    assert page.status_code == 302 and page.url == "/staff/login/verify/", (
        "password alone opened the workspace: the refused SSO attempt counted as a second factor"
    )


def test_switching_accounts_in_one_browser(sso, centres):
    sso.set_accounts(
        account("sw-400", f"social_worker:{centres[0].code}"),
        account("sw-401", f"social_worker:{centres[1].code}"),
    )
    browser, _ = sign_in_with_sso(sso, "sw-400")
    assert browser.get("/staff/").status_code == 200

    sign_in_with_sso(sso, "sw-401", client=browser)

    assert signed_in_user(browser).username == "oidc:sw-401"
    page = browser.get("/staff/")
    assert page.status_code == 200, f"single sign-on, yet sent to {page.get('Location')}"
    assert browser.get(f"/staff/centres/{centres[1].pk}/").status_code == 200


def test_unreachable_provider_is_a_failed_sign_in_not_a_server_error(demo, settings):
    dead = "http://127.0.0.1:9"  # the discard port: nothing answers there
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "nara", "secret"
    settings.OIDC_OP_ISSUER = dead
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{dead}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{dead}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{dead}/me"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{dead}/jwks"
    client = Client()
    start = client.get("/staff/sso/start/")
    state = parse_qs(urlsplit(start.url).query)["state"][0]
    answer = client.get("/staff/sso/callback/", {"code": "abc", "state": state})
    assert answer.status_code == 302 and "sso=failed" in answer.url
    assert "_auth_user_id" not in client.session


def test_id_token_from_another_issuer_signs_nobody_in(sso, centres, settings):
    sso.set_accounts(account("sw-500", f"social_worker:{centres[0].code}"))
    settings.OIDC_OP_ISSUER = "https://someone-else.example"
    client, callback = sign_in_with_sso(sso, "sw-500")
    assert callback.status_code in (302, 400) and signed_in_user(client) is None
    assert client.get("/staff/").url.startswith("/staff/login/")


def test_single_sign_on_needs_an_issuer(demo, client, settings):
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "nara", "https://idp/a"
    settings.OIDC_OP_ISSUER = ""
    assert client.get("/staff/sso/start/").status_code == 404
    env = {**os.environ, "NARA_OIDC_CLIENT_ID": "nara", "DJANGO_SETTINGS_MODULE": "nara.settings"}
    env.pop("NARA_OIDC_ISSUER", None)
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "NARA_OIDC_ISSUER" in done.stderr


def test_sso_roles_name_centres_by_a_code_that_renaming_does_not_change(demo, centres):
    from tests.workspace.conftest import signed_in, user

    centre = centres[0]
    code = centre.code
    admin = signed_in(user("admin"))
    page = admin.get(f"/staff/centres/{centre.pk}/edit/").content.decode()
    assert 'name="code"' not in page  # never edited after creation
    assert 'name="code"' in admin.get("/staff/centres/new/").content.decode()  # set here
    claims = {"nara_roles": [f"social_worker:{code}"]}
    Center.objects.filter(pk=centre.pk).update(slug="renamed-centre")
    assert roles_from_claims(claims) == [(Role.SOCIAL_WORKER, centre, None)]
    assert roles_from_claims({"nara_roles": ["social_worker:renamed-centre"]}) == []
