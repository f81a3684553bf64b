"""Named staff personas from the demo municipality, signed in with both factors."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from nara.core.actions.staff import do_create_staff_user
from nara.core.models import Center, Partner, Role


def signed_in(user):
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def centres(demo):
    """The demo's social centres: [Maria's and Anna's, Omar's, a third]."""
    return list(Center.objects.filter(kind="centre").order_by("pk"))


@pytest.fixture
def as_admin(demo):
    return signed_in(user("admin"))


@pytest.fixture
def as_manager(demo):
    """Maria, manager of the first social centre."""
    return signed_in(user("maria"))


@pytest.fixture
def as_worker(demo):
    """Anna, social worker at the first social centre."""
    return signed_in(user("anna"))


@pytest.fixture
def as_other_worker(demo):
    """Omar, social worker at the second social centre."""
    return signed_in(user("omar"))


@pytest.fixture
def as_analyst(demo):
    return signed_in(user("ahmed"))


@pytest.fixture
def as_partner(demo):
    return signed_in(user("petra"))


@pytest.fixture
def as_no_role(demo):
    """A staff account that was never given a role."""
    return signed_in(do_create_staff_user(actor="test", username="norole", password="x" * 16))


def make_partner_user(username):
    partner = Partner.objects.first()
    return do_create_staff_user(
        actor="test",
        username=username,
        password="x" * 16,
        roles=[(Role.PARTNER_USER, None, partner)],
    )
