"""Enrolment links, the second factor's key, password change and reset; roles of oneself and
casework roles for administrators."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from nara.core.actions.staff import do_create_staff_user
from nara.core.models import AuditEvent, EnrolmentLink, Role
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery 42"
NEW_PASSWORD = "a brand new passphrase 77"


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}"


def setup_key(page):
    return re.search(r"data-totp-secret>([A-Z2-7=]+)<", page.content.decode()).group(1)


def password_step(username, password):
    client = Client()
    client.post("/staff/login/", {"username": username, "password": password})
    return client


@pytest.fixture
def sara(demo, centres):
    return do_create_staff_user(
        actor="test",
        username="sara",
        password=PASSWORD,
        email="sara@example.invalid",
        roles=[(Role.SOCIAL_WORKER, centres[0], None)],
    )


def enrolment_link(as_admin, data):
    page = as_admin.post("/staff/users/new/", data)
    return re.search(r'data-enrolment-link[^>]*|value="([^"]+)"', page.content.decode()) and (
        re.search(r'value="(http[^"]+)"', page.content.decode()).group(1)
    )


# Item 3: the TOTP key ----------------------------------------------------------------------


def test_a_key_copied_before_enrolment_does_not_work_after(sara):
    attacker = password_step("sara", PASSWORD)
    copied = setup_key(attacker.get("/staff/login/setup/"))
    real = password_step("sara", PASSWORD)
    page = real.get("/staff/login/setup/")
    assert setup_key(page) != copied  # each sign-in session gets its own key
    device = TOTPDevice.objects.get(user=sara, confirmed=False)
    assert real.post("/staff/login/setup/", {"token": code_for(device)}).url == "/staff/"
    # the attacker's page now only offers the second step, which their key cannot pass
    assert attacker.get("/staff/login/setup/").url == "/staff/login/verify/"
    assert TOTPDevice.objects.filter(user=sara).count() == 1
    assert AuditEvent.objects.filter(action="user.second_factor", object_id=str(sara.pk)).exists()


# Item 3: enrolment links -------------------------------------------------------------------


def test_new_staff_enrol_through_a_one_time_link(as_admin, centres):
    data = {"username": "kim", "first_name": "Kim", "last_name": "Berg"}
    data["social_worker"] = [centres[2].pk]
    link = enrolment_link(as_admin, data)
    token = link.rsplit("/", 2)[-2]
    assert not EnrolmentLink.objects.filter(token_hash=token).exists()  # hashed at rest
    assert token not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    kim = Client()
    first = kim.get(link)
    assert first.status_code == 302 and first.url == "/staff/enrol/"  # token leaves the URL
    assert Client().get(link).status_code == 404  # single use
    weak = kim.post("/staff/enrol/", {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 400 and not user("kim").has_usable_password()
    done = kim.post("/staff/enrol/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.url == "/staff/login/setup/"
    kim.get("/staff/login/setup/")
    device = TOTPDevice.objects.get(user=user("kim"), confirmed=False)
    assert kim.post("/staff/login/setup/", {"token": code_for(device)}).url == "/staff/"
    assert kim.get(f"/staff/centres/{centres[2].pk}/").status_code == 200
    assert kim.get("/staff/enrol/").status_code == 404  # the link is spent


def test_enrolling_a_caseworker_is_flagged_at_both_ends_for_log_review(as_admin, centres):
    """The administrator sees the link of an account that will read people's records: the
    hand-over and the first opening are flagged, so a reviewer sees who opened it, from where."""
    analyst = enrolment_link(as_admin, {"username": "ada", "first_name": "A", "last_name": "B"})
    data = {"username": "kim", "first_name": "Kim", "last_name": "Berg"}
    data["social_worker"] = [centres[2].pk]
    Client(REMOTE_ADDR="192.0.2.44").get(enrolment_link(as_admin, data))
    flagged = [e for e in AuditEvent.objects.all() if "caseworker_enrolment" in e.flags]
    assert sorted(e.action for e in flagged) == ["user.enrolment_link", "user.enrolment_opened"]
    assert {e.object_id for e in flagged} == {str(user("kim").pk)}  # not the analyst's link
    opened = next(e for e in flagged if e.action == "user.enrolment_opened")
    assert opened.client_address == "192.0.2.44" and analyst


def test_an_expired_enrolment_link_does_not_work(as_admin):
    link = enrolment_link(as_admin, {"username": "kim", "first_name": "K", "last_name": "B"})
    EnrolmentLink.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert Client().get(link).status_code == 404


# Item 3: password change and reset ----------------------------------------------------------


@override_settings(NARA_EMAIL_GATEWAY="console")
def test_staff_change_their_password(sara, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.NARA_MESSAGE_DIR = tmp_path
    client = signed_in(sara)
    wrong = client.post(
        "/staff/password/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/staff/password/", {**data, "new_password2": NEW_PASSWORD})
    assert page.url == "/staff/"
    assert client.get("/staff/").status_code == 200  # still signed in here
    assert get_user_model().objects.get(pk=sara.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_change").exists()
    assert any(tmp_path.rglob("*")), "the account holder is told by e-mail"


@override_settings(NARA_EMAIL_GATEWAY="console")
def test_administrator_resets_password_and_second_factor(
    as_admin, sara, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.NARA_MESSAGE_DIR = tmp_path
    phone = signed_in(sara)
    assert phone.get("/staff/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        page = as_admin.post(f"/staff/users/{sara.pk}/reset/")
    assert page.status_code == 200 and b"data-enrolment-link" in page.content
    sara.refresh_from_db()
    assert not sara.has_usable_password() and not TOTPDevice.objects.filter(user=sara).exists()
    assert phone.get("/staff/").url.startswith("/staff/login/")  # every session ended
    event = AuditEvent.objects.get(action="user.credentials_reset")
    assert event.flags == ["credentials_reset"]
    assert any(tmp_path.rglob("*")), "the account holder is told by e-mail"
    review = as_admin.get("/staff/audit/?flagged=on").content.decode()
    assert "lösenord och andra faktor återställda" in review


def test_no_one_resets_their_own_credentials(as_admin):
    assert as_admin.post(f"/staff/users/{user('admin').pk}/reset/").status_code == 403


# Item 6: roles -----------------------------------------------------------------------------


def test_no_one_changes_their_own_roles(as_admin, centres):
    admin = user("admin")
    data = {"administrator": "on", "social_worker": [centres[0].pk]}
    page = as_admin.post(f"/staff/users/{admin.pk}/", data, follow=True)
    assert "egna roller" in page.content.decode()
    assert not admin.memberships.filter(role=Role.SOCIAL_WORKER).exists()
    event = AuditEvent.objects.get(action="user.roles_own_attempt")
    assert event.flags == ["own_roles"]


def test_casework_role_for_an_administrator_needs_a_second_administrator(demo, centres):
    first = user("admin")
    second = do_create_staff_user(
        actor="test", username="admin2", password=PASSWORD, roles=[(Role.ADMINISTRATOR, None, None)]
    )
    as_first, as_second = signed_in(first), signed_in(second)
    as_first.post(f"/staff/users/{second.pk}/", {"administrator": "on", "social_worker": []})
    # the first administrator gives the second a casework role: it waits
    data = {"administrator": "on", "social_worker": [centres[0].pk]}
    as_second.post(f"/staff/users/{first.pk}/", data)
    assert not first.memberships.filter(role=Role.SOCIAL_WORKER).exists()
    request = first.role_requests.get()
    # the requester cannot approve it, nor the account holder
    as_second.post(f"/staff/users/requests/{request.pk}/", {"approve": "1"})
    as_first.post(f"/staff/users/requests/{request.pk}/", {"approve": "1"})
    assert not first.memberships.filter(role=Role.SOCIAL_WORKER).exists()
    third = do_create_staff_user(
        actor="test", username="admin3", password=PASSWORD, roles=[(Role.ADMINISTRATOR, None, None)]
    )
    signed_in(third).post(f"/staff/users/requests/{request.pk}/", {"approve": "1"})
    assert first.memberships.filter(role=Role.SOCIAL_WORKER, center=centres[0]).exists()
    flagged = [e for e in AuditEvent.objects.all() if "admin_casework_role" in e.flags]
    actions = {e.action for e in flagged}
    assert actions == {"user.casework_role_requested", "user.casework_role_approved"}


@override_settings(NARA_EMAIL_GATEWAY="console")
def test_the_account_holder_is_told_when_their_roles_change(
    as_admin, sara, centres, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.NARA_MESSAGE_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(f"/staff/users/{sara.pk}/", {"social_worker": [centres[1].pk]})
    sent = [p.read_text() for p in tmp_path.rglob("*") if p.is_file()]
    assert any("roller" in text for text in sent)


def test_create_admin_refuses_clearly_without_a_password_and_creates_nothing(monkeypatch, tmp_path):
    def no_terminal(prompt="Password: ", stream=None):
        raise EOFError  # what getpass does with no terminal and nothing on standard input

    monkeypatch.setattr("getpass.getpass", no_terminal)
    users, events = get_user_model().objects.count(), AuditEvent.objects.count()
    with pytest.raises(CommandError, match="no terminal to ask for the password.*--password-file"):
        call_command("create_admin", "alice")
    with pytest.raises(CommandError, match="Cannot read the password file .*nonexistent"):
        call_command("create_admin", "alice", "--password-file", str(tmp_path / "nonexistent"))
    with pytest.raises(CommandError, match="Cannot read the password file"):
        call_command("create_admin", "alice", "--password-file", str(tmp_path))  # a folder
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("lösenord för åäö 42\n".encode("cp1252"))
    with pytest.raises(CommandError, match="latin1.txt is not UTF-8 text"):
        call_command("create_admin", "alice", "--password-file", str(latin1))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(CommandError, match="The password file .*empty.txt is empty"):
        call_command("create_admin", "alice", "--password-file", str(empty))
    assert get_user_model().objects.count() == users
    assert AuditEvent.objects.count() == events

    good = tmp_path / "password.txt"
    good.write_text(PASSWORD + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("create_admin", "alice", "--password-file", str(good), stdout=out)
    assert "Administrator alice created" in out.getvalue()
    alice = get_user_model().objects.get(username="alice")
    assert alice.check_password(PASSWORD)
