"""Signing in: password, then a TOTP code; lockout; timeouts; sign out everywhere."""

import datetime as dt
import ipaddress
import time

import pytest
from django.test import Client, RequestFactory, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from nara.core.actions.staff import do_create_staff_user
from nara.core.models import AuditEvent, Role
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery 42"


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


@pytest.fixture
def new_worker(demo, centres):
    return do_create_staff_user(
        actor="test",
        username="sara",
        password=PASSWORD,
        last_name="Lind",
        roles=[(Role.SOCIAL_WORKER, centres[0], None)],
    )


def test_new_staff_user_sets_up_totp_and_signs_in(new_worker):
    client = Client()
    page = client.post("/staff/login/", {"username": "sara", "password": PASSWORD})
    assert page.url == "/staff/login/verify/"
    assert client.get("/staff/centres/").url == "/staff/login/verify/"  # password alone: no
    setup = client.get("/staff/login/verify/", follow=True)
    assert setup.request["PATH_INFO"] == "/staff/login/setup/"
    assert b"data:image/svg+xml" in setup.content  # QR code, drawn locally
    device = TOTPDevice.objects.get(user=new_worker)
    wrong = client.post("/staff/login/setup/", {"token": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    time.sleep(1.1)  # a wrong code throttles the device for a second, doubling each time
    done = client.post("/staff/login/setup/", {"token": code_for(device)})
    assert done.url == "/staff/"
    assert client.get("/staff/centres/").status_code == 200
    assert AuditEvent.objects.filter(action="user.sign_in", actor_id=new_worker.pk).exists()


def test_returning_user_needs_the_current_code(demo):
    device = TOTPDevice.objects.get(user=user("anna"))
    client = Client()
    client.post("/staff/login/", {"username": "anna", "password": "demo-anna-pass-2026"})
    bad = client.post("/staff/login/verify/", {"token": "12345"})
    assert "six digits" in bad.content.decode() or "sex siffror" in bad.content.decode()
    assert client.get("/staff/").url == "/staff/login/verify/"
    good = client.post("/staff/login/verify/", {"token": code_for(device)})
    assert good.url == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part(demo):
    page = Client().post("/staff/login/", {"username": "anna", "password": "nope"})
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_after_repeated_failures_even_with_the_right_password(demo):
    client = Client()
    for _ in range(3):
        client.post("/staff/login/", {"username": "anna", "password": "wrong"})
    locked = client.post("/staff/login/", {"username": "anna", "password": "demo-anna-pass-2026"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_staff_pages_require_sign_in(demo):
    page = Client().get("/staff/centres/")
    assert page.status_code == 302 and page.url.startswith("/staff/login/")


def test_idle_session_ends(demo):
    client = signed_in(user("anna"))
    session = client.session
    session["nara_last_seen"] = int(time.time()) - 31 * 60
    session.save()
    assert client.get("/staff/centres/").url == "/staff/login/"


def test_sign_out_everywhere_ends_other_sessions(demo):
    phone, desktop = signed_in(user("anna")), signed_in(user("anna"))
    assert phone.get("/staff/").status_code == 200
    assert desktop.get("/staff/").status_code == 200
    desktop.post("/staff/logout/everywhere/")
    assert phone.get("/staff/").url == "/staff/login/"


PROXY = [ipaddress.ip_network("10.0.0.0/8")]


@override_settings(AXES_FAILURE_LIMIT=3, NARA_TRUSTED_PROXIES=PROXY)
def test_password_spraying_from_many_addresses_locks_the_account(demo):
    for n in range(3):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(
            "/staff/login/", {"username": "anna", "password": "wrong"}
        )
    page = Client(REMOTE_ADDR="198.51.100.99").post(
        "/staff/login/", {"username": "anna", "password": "demo-anna-pass-2026"}
    )
    assert page.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3, NARA_TRUSTED_PROXIES=PROXY)
def test_behind_the_proxy_one_address_does_not_lock_everyone(demo):
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for n in range(3):
        attacker.post("/staff/login/", {"username": f"nobody{n}", "password": "wrong"})
    assert attacker.post("/staff/login/", {"username": "x", "password": "y"}).status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    page = colleague.post("/staff/login/", {"username": "anna", "password": "demo-anna-pass-2026"})
    assert page.url == "/staff/login/verify/"


@override_settings(NARA_TRUSTED_PROXIES=PROXY)
def test_audit_trail_records_the_client_behind_the_proxy(demo):
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    client.post("/staff/login/", {"username": "anna", "password": "demo-anna-pass-2026"})
    client.post(
        "/staff/login/verify/", {"token": code_for(TOTPDevice.objects.get(user=user("anna")))}
    )
    event = AuditEvent.objects.filter(action="user.sign_in").latest("id")
    assert event.client_address == "203.0.113.5"


@override_settings(AXES_FAILURE_LIMIT=2, NARA_LOGIN_COOLOFF_HOURS=0.25)
def test_repeated_lockouts_of_an_account_last_longer(demo):
    from nara.workspace.auth_views import axes_cooloff

    def cooloff():
        return axes_cooloff(RequestFactory().post("/staff/login/", {"username": "anna"}))

    assert cooloff() == dt.timedelta(minutes=15)
    for n in range(6):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(
            "/staff/login/", {"username": "anna", "password": "wrong"}
        )
    assert cooloff() == dt.timedelta(minutes=60)


def test_session_ends_ten_hours_after_sign_in_even_when_active(demo):
    client = signed_in(user("anna"))
    assert client.get("/staff/").status_code == 200
    session = client.session
    session["nara_signed_in_at"] = int(time.time()) - 10 * 3600 - 60
    session["nara_last_seen"] = int(time.time())
    session.save()
    page = client.get("/staff/centres/", follow=True)
    assert page.request["PATH_INFO"] == "/staff/login/"
    assert "10" in page.content.decode()


def test_second_factor_page_shows_no_menu_before_sign_in_is_complete(demo):
    client = Client()
    client.post("/staff/login/", {"username": "anna", "password": "demo-anna-pass-2026"})
    page = client.get("/staff/login/verify/").content.decode()
    assert "/staff/people/" not in page and "/staff/centres/" not in page
    assert "Avbryt" in page  # a plain cancel, which signs out
    cancel = client.post("/staff/logout/")
    assert cancel.url == "/staff/login/" and "_auth_user_id" not in client.session
