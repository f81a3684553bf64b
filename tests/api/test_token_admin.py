"""The administrator issues, shows once and revokes partner API tokens, and sets a partner's
notification address, in the staff workspace."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from nara.api.models import ApiToken, PartnerApiAccount
from nara.core import access, crypto
from nara.core.models import AuditEvent
from tests.api.conftest import Api
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(demo):
    return signed_in(user("admin"))


def new_token(admin, school, **changes):
    data = {
        "partner": school.pk,
        "name": "Elevregistret",
        "scopes": ["referrals:read", "referrals:status"],
        "expires_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        **changes,
    }
    return admin.post("/staff/api-tokens/new/", data)


def test_a_token_is_shown_once_and_works(admin, school):
    shown = new_token(admin, school)
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    raw = re.search(r'value="(nara_pat_[^"]+)"', shown.content.decode()).group(1)
    token = ApiToken.objects.get(name="Elevregistret")
    assert token.scopes == ["referrals:read", "referrals:status"]
    assert token.created_by == user("admin")
    listing = admin.get("/staff/api-tokens/").content.decode()
    assert f"nara_pat_{token.prefix}_…" in listing and raw not in listing
    assert Api(raw).get("/api/v1/partner/referrals/").status_code == 200
    issued = AuditEvent.objects.get(action="api_token.issue", object_id=str(token.pk))
    assert raw.split("_", 3)[3] not in str(issued.changes)


def test_the_organisations_account_never_signs_in(admin, school):
    new_token(admin, school)
    account = PartnerApiAccount.objects.get(partner=school).user
    assert not account.is_active and not account.has_usable_password() and not account.is_staff
    assert access.roles(account) == {"partner_user"}
    assert access.partner_ids(account) == {school.pk}


@pytest.mark.parametrize(
    "changes",
    [
        {"expires_on": ""},
        {"expires_on": (timezone.localdate() + dt.timedelta(days=400)).isoformat()},
        {"expires_on": timezone.localdate().isoformat()},
        {"scopes": []},
        {"scopes": ["referrals:delete"]},
        {"name": "   "},
        {"partner": "999999"},
    ],
)
def test_a_bad_token_form_issues_nothing(admin, school, changes):
    response = new_token(admin, school, **changes)
    assert response.status_code == 400
    assert not ApiToken.objects.filter(name="Elevregistret").exists()


def test_revoking_stops_the_token(admin, school):
    raw = re.search(r'value="(nara_pat_[^"]+)"', new_token(admin, school).content.decode())[1]
    token = ApiToken.objects.get(name="Elevregistret")
    assert admin.get(f"/staff/api-tokens/{token.pk}/revoke/").status_code == 405
    assert admin.post(f"/staff/api-tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at and token.revoked_by == user("admin")
    assert Api(raw).get("/api/v1/partner/referrals/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_the_webhook_secret_is_shown_once(admin, school):
    url = f"/staff/api-tokens/partners/{school.pk}/webhook/"
    assert admin.get(url).status_code == 200
    saved = admin.post(url, {"webhook_url": "http://127.0.0.1:9/hook", "webhook_enabled": "on"})
    assert saved.status_code == 200 and "no-store" in saved["Cache-Control"]
    secret = re.search(r'value="([^"]+)"[^>]*data-webhook-secret', saved.content.decode())[1]
    account = PartnerApiAccount.objects.get(partner=school)
    assert crypto.decrypt(account.webhook_secret_encrypted) == secret
    assert secret not in str(AuditEvent.objects.filter(action="api_webhook.set").values())
    again = admin.post(url, {"webhook_url": "http://127.0.0.1:9/hook", "webhook_enabled": "on"})
    assert again.status_code == 302  # no new secret unless asked for
    refused = admin.post(url, {"webhook_url": "http://partner.example/", "webhook_enabled": "on"})
    assert refused.status_code == 400
    assert PartnerApiAccount.objects.get(partner=school).webhook_url == "http://127.0.0.1:9/hook"


def test_only_the_administrator_reaches_the_pages(demo, school):
    for username in ("maria", "anna", "ahmed", "petra"):
        client = signed_in(user(username))
        assert client.get("/staff/api-tokens/").status_code == 403
        assert client.get("/staff/api-tokens/new/").status_code == 403
