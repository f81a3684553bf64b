"""One client address for lockout, rate limits and the audit trail, through trusted proxies."""

import ipaddress

import pytest
from django.test import RequestFactory, override_settings

from nara.core.client_address import client_address

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.0.2.1/32")]


def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@override_settings(NARA_TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.1.2.3", "203.0.113.7", "203.0.113.7"),  # through our proxy: the client
        ("10.1.2.3", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # a spoofed left hop is ignored
        ("10.1.2.3", "203.0.113.7, 192.0.2.1", "203.0.113.7"),  # two of our proxies
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not a proxy: header ignored
        ("10.1.2.3", "not-an-address", "10.1.2.3"),
        ("10.1.2.3", None, "10.1.2.3"),
    ],
)
def test_client_address_through_trusted_proxies(remote, forwarded, expected):
    assert client_address(request_from(remote, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request_from("10.1.2.3", "203.0.113.7")) == "10.1.2.3"


@pytest.mark.django_db
@override_settings(NARA_TRUSTED_PROXIES=PROXIES)
def test_public_rate_limits_count_the_client_behind_the_proxy_and_ignore_spoofing():
    from nara.public.guard import limit_reached

    def attempt(remote, forwarded):
        return limit_reached(request_from(remote, forwarded), "test-bucket", 2)

    # Residents behind our proxy are counted apart: one does not use up another's limit.
    assert [attempt("10.0.0.1", "203.0.113.1") for _ in range(3)] == [False, False, True]
    assert attempt("10.0.0.1", "203.0.113.2") is False
    # A client that is not our proxy cannot escape its limit by inventing X-Forwarded-For.
    assert [attempt("198.51.100.7", f"192.0.2.{n}") for n in range(3)] == [False, False, True]
