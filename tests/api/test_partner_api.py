"""The partner API with real requests: what each token may do, what it never reaches, and bad
input refused with a problem document and nothing changed."""

import json

import pytest
from django.apps import apps
from django.db import connection

from nara.api.actions import do_revoke_token
from nara.api.models import ApiToken
from nara.core.models import AuditEvent, Referral, ReferralEvent
from tests.api.conftest import ALL, Api, issue, send_to
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/partner/referrals/"


def item(referral):
    return f"/api/v1/partner/referrals/{referral.pk}/"


def status_url(referral):
    return f"/api/v1/partner/referrals/{referral.pk}/status/"


def incoming(where, **changes):
    body = {
        "centre": where.pk,
        "topic": "school-absence",
        "family": {"name": "Familjen Lind", "phone": "+46 70 174 06 99", "email": ""},
        "consent": {
            "recipient_centre": where.pk,
            "given_by": "guardian",
            "given_how": "verbal",
            "scope": ["identity", "contact_details"],
        },
    }
    body.update(changes)
    return body


def problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    document = response.json()
    assert document["status"] == status and document["title"] and document["detail"]
    return document


def counts():
    """Rows of every table, and the audit trail's length."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.label not in VOLATILE
    }


# Rows a refused call may still touch: the token's last use, the rate counters, the cache.
VOLATILE = {"core.ratecounter", "core.audithead", "sessions.session"}


# What each token may do ---------------------------------------------------------------------


def test_read_lists_and_reads_the_referrals_addressed_to_its_organisation(
    apis, addressed, elsewhere
):
    listed = apis["read"].get(LIST)
    assert listed.status_code == 200
    ids = [r["id"] for r in listed.json()["results"]]
    assert addressed.pk in ids and elsewhere.pk not in ids
    one = apis["read"].get(item(addressed)).json()
    assert one["id"] == addressed.pk and one["status"] == "sent"
    assert one["centre"]["name"] == addressed.center.name
    assert one["alias"] == "Api" and one["family"] is None
    assert one["next_statuses"] == ["received"]


def test_the_family_shows_as_far_as_the_consent_covers_it_and_the_read_is_audited(apis, named):
    before = AuditEvent.objects.count()
    family = apis["read"].get(item(named)).json()["family"]
    assert family["name"] == "Sara Api" and family["phone"] == "+46701112233"
    read = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert read.action == "referral.partner_view" and read.object_id == str(named.pk)
    assert read.actor_label.startswith("api:partner-") and " token " in read.actor_label
    assert read.person_id == named.person_id and "partner_read" in read.flags


def test_every_call_is_audited_with_the_token_and_the_referral(apis, addressed, school, home):
    token = ApiToken.objects.get(partner=school, scopes=["referrals:read"])
    before = AuditEvent.objects.count()
    apis["read"].get(LIST)
    apis["read"].get(item(addressed))
    apis["status"].post(status_url(addressed), {"status": "received"})
    apis["write"].post(LIST, incoming(home))
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert [e.action for e in events] == [
        "api.referral.list",
        "api.referral.read",
        "referral.status",
        "referral.incoming",
    ]
    assert events[0].actor_label == f"api:partner-{school.pk} token {token.pk}"
    assert addressed.pk in events[0].changes["shown"]
    assert events[1].object_id == events[2].object_id == str(addressed.pk)
    assert len({e.actor_id for e in events}) == 1  # the organisation's API account


def test_write_sends_a_family_to_a_centre_as_the_portal_does(apis, home, school):
    response = apis["write"].post(LIST, incoming(home))
    assert response.status_code == 201, response.content
    sent = response.json()
    assert sent["status"] == "sent" and sent["centre"]["id"] == home.pk
    referral = Referral.objects.get(pk=sent["id"])
    assert referral.direction == "incoming" and referral.partner == school
    assert referral.partner_consent_given_by == "guardian"
    assert referral.partner_consent_scope == ["contact_details", "identity"]
    assert referral.events.get().by_partner
    assert referral.family_name_encrypted and "Lind" not in referral.family_name_encrypted


def test_status_moves_a_referral_along_in_order(apis, addressed):
    for step in ("received", "accepted", "contact_made"):
        response = apis["status"].post(status_url(addressed), {"status": step})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == step
    addressed.refresh_from_db()
    assert addressed.status == "contact_made"
    assert all(e.by_partner for e in addressed.events.exclude(status="sent"))


def test_a_decline_needs_a_reason(apis, addressed):
    apis["status"].post(status_url(addressed), {"status": "received"})
    document = problem(apis["status"].post(status_url(addressed), {"status": "declined"}), 422)
    assert "reason" in document["errors"]
    declined = apis["status"].post(
        status_url(addressed), {"status": "declined", "reason": "no_capacity"}
    )
    assert declined.status_code == 200
    addressed.refresh_from_db()
    assert addressed.decline_reason == "no_capacity"


def test_pagination_and_modified_since(apis, school, home):
    referrals = [send_to(school, home) for _ in range(3)]
    first = apis["read"].get(LIST, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"] and first["count"] >= 3
    later = referrals[-1].status_changed_at.isoformat()
    since = apis["read"].get(LIST, {"modified_since": later}).json()["results"]
    assert [r["id"] for r in since] == [referrals[-1].pk]
    received = apis["status"].post(status_url(referrals[0]), {"status": "received"})
    moved = received.json()["status_changed_at"]
    since = apis["read"].get(LIST, {"modified_since": moved}).json()["results"]
    assert [r["id"] for r in since] == [referrals[0].pk]
    assert apis["read"].get(LIST, {"status": "received"}).json()["count"] >= 1
    problem(apis["read"].get(LIST, {"modified_since": "yesterday"}), 400)
    problem(apis["read"].get(LIST, {"status": "bogus"}), 400)


# Who reaches what -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "revoked", "expired"])
def test_no_valid_token_is_401_everywhere(apis, addressed, home, persona):
    api = apis[persona]
    for response in (
        api.get(LIST),
        api.post(LIST, incoming(home)),
        api.get(item(addressed)),
        api.post(status_url(addressed), {"status": "received"}),
    ):
        document = problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "nara_pat_" not in json.dumps(document) or persona == "anonymous"


def test_a_wrong_scope_is_403(apis, addressed, home):
    problem(apis["write"].get(LIST), 403)
    problem(apis["status"].get(item(addressed)), 403)
    problem(apis["read"].post(LIST, incoming(home)), 403)
    problem(apis["read"].post(status_url(addressed), {"status": "received"}), 403)
    problem(apis["write"].post(status_url(addressed), {"status": "received"}), 403)
    addressed.refresh_from_db()
    assert addressed.status == "sent"


def test_another_partners_token_never_reaches_the_referral(apis, addressed, named):
    other = apis["other"]
    for referral in (addressed, named):
        missing = problem(other.get(item(referral)), 404)
        nonexistent = problem(other.get(f"/api/v1/partner/referrals/{10**9}/"), 404)
        # Nothing tells them apart but the address asked (every problem names its instance).
        assert missing.pop("instance") != nonexistent.pop("instance")
        assert missing == nonexistent
        problem(other.post(status_url(referral), {"status": "received"}), 404)
    assert {r["id"] for r in other.get(LIST).json()["results"]}.isdisjoint({addressed.pk, named.pk})
    addressed.refresh_from_db()
    assert addressed.status == "sent"


def test_an_incoming_referral_is_not_read_through_the_addressed_endpoints(apis, home):
    sent = apis["write"].post(LIST, incoming(home)).json()
    problem(apis["all"].get(f"/api/v1/partner/referrals/{sent['id']}/"), 404)


def test_the_token_goes_only_in_the_authorization_header(apis, addressed):
    token = apis["read"].token
    problem(Api().get(LIST, {"access_token": token}), 401)
    problem(Api().client.get(LIST, headers={"Authorization": f"Token {token}"}), 401)
    problem(Api().client.get(LIST, headers={"Authorization": f"Bearer {token}x"}), 401)
    session = Api()
    session.client.force_login(user("petra"))
    problem(session.get(LIST), 401)  # a portal session is not an API credential


def test_a_revoked_token_stops_at_once(apis, school):
    api = Api(issue(school, ["referrals:read"], name="Soon revoked"))
    assert api.get(LIST).status_code == 200
    do_revoke_token(actor=user("admin"), token=ApiToken.objects.get(name="Soon revoked"))
    problem(api.get(LIST), 401)


def test_the_token_is_shown_once_and_stored_as_a_keyed_hash(school):
    raw = issue(school, ALL, name="Stored")
    stored = ApiToken.objects.get(name="Stored")
    secret = raw.split("_", 3)[3]
    assert raw.startswith(f"nara_pat_{stored.prefix}_") and len(secret) == 43
    assert stored.secret_hash != secret and len(stored.secret_hash) == 64
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from Django)
            for row in cursor.fetchall():
                text = repr(row)
                assert secret not in text and raw not in text, table


def test_last_use_is_recorded(apis, school):
    apis["read"].get(LIST)
    assert ApiToken.objects.get(partner=school, scopes=["referrals:read"]).last_used_at


def test_too_many_calls_are_429_with_retry_after(apis, settings):
    from django.core.cache import cache

    cache.clear()
    settings.NARA_API_RATE = "3/min"
    for _ in range(3):
        assert apis["read"].get(LIST).status_code == 200
    document = problem(apis["read"].get(LIST), 429)
    assert int(apis["read"].get(LIST)["Retry-After"]) > 0 and document["detail"]
    assert apis["all"].get(LIST).status_code == 200  # per token, not per address
    cache.clear()


def test_repeated_bad_tokens_are_throttled_per_address(settings, demo):
    settings.NARA_API_FAILED_AUTH_PER_HOUR = 2
    bad = Api("nara_pat_00000000_" + "A" * 43)
    statuses = [bad.get(LIST).status_code for _ in range(4)]
    assert statuses[:2] == [401, 401] and statuses[-1] == 429


# Bad input changes nothing ----------------------------------------------------------------


def _refused(api, path, status, **send):
    before, audit_before = counts(), AuditEvent.objects.count()
    document = problem(api.post(path, **send), status)
    assert counts() == before and AuditEvent.objects.count() == audit_before
    return document


def test_malformed_json_is_400(apis):
    document = _refused(apis["all"], LIST, 400, raw='{"centre": 1,')
    assert "JSON" in document["detail"]
    _refused(apis["all"], LIST, 400, raw='{"centre": 1, "centre": 2}')
    _refused(apis["all"], LIST, 400, raw='{"centre": NaN}')
    _refused(apis["all"], LIST, 400, raw="[1, 2]")
    _refused(apis["all"], LIST, 400, raw=b"\xff\xfe")


def test_a_body_that_is_not_json_is_415(apis, home):
    _refused(
        apis["all"], LIST, 415, raw="centre=1", content_type="application/x-www-form-urlencoded"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"centre": "1"},
        {"centre": True},
        {"centre": 1.0},
        {"topic": 7},
        {"family": "Lind"},
        {"family": {"name": ["Lind"]}},
        {"consent": {"recipient_centre": 1, "given_by": "guardian"}},
        {"topic": "not-a-topic"},
    ],
)
def test_wrong_types_are_400(apis, home, change):
    body = incoming(home, **change)
    if "centre" in change:
        body["consent"]["recipient_centre"] = change["centre"]
    document = _refused(apis["all"], LIST, 400, data=body)
    assert document["errors"]


def test_unknown_fields_are_refused(apis, home, addressed):
    body = incoming(home, priority="high")
    assert "priority" in _refused(apis["all"], LIST, 400, data=body)["errors"]
    body = incoming(home)
    body["family"]["personnummer"] = "x"
    # Nested fields are dotted paths (the one problem handler, nara/api/problems.py).
    assert "family.personnummer" in _refused(apis["all"], LIST, 400, data=body)["errors"]
    document = _refused(
        apis["all"], status_url(addressed), 400, data={"status": "received", "x": 1}
    )
    assert "x" in document["errors"]


def test_a_huge_body_is_413(apis, home):
    body = incoming(home)
    body["family"]["name"] = "x" * (70 * 1024)
    _refused(apis["all"], LIST, 413, data=body)


def test_a_huge_body_without_its_length_is_413_too(apis, settings, home):
    settings.NARA_API_MAX_BODY_BYTES = 100
    _refused(apis["all"], LIST, 413, data=incoming(home))


def test_an_identity_number_in_the_family_is_refused_and_not_echoed(apis, home):
    body = incoming(home)
    body["family"]["name"] = "Lind 19121212-1212"
    document = _refused(apis["all"], LIST, 400, data=body)
    assert "family.name" in document["errors"]
    assert "1212" not in json.dumps(document)


def test_a_consent_for_another_recipient_is_refused(apis, home):
    other = home.__class__.objects.exclude(pk=home.pk).filter(is_published=True).first()
    body = incoming(home)
    body["consent"]["recipient_centre"] = other.pk
    document = _refused(apis["all"], LIST, 422, data=body)
    assert "consent.recipient_centre" in document["errors"]


def test_a_consent_that_leaves_out_name_or_contact_is_refused(apis, home):
    body = incoming(home)
    body["consent"]["scope"] = ["situation"]
    _refused(apis["all"], LIST, 422, data=body)


def test_a_centre_of_another_kind_or_unknown_is_refused(apis, home):
    body = incoming(home, centre=10**9)
    body["consent"]["recipient_centre"] = 10**9
    assert "centre" in _refused(apis["all"], LIST, 400, data=body)["errors"]


def test_a_status_out_of_order_is_409_and_nothing_changes(apis, addressed):
    events = ReferralEvent.objects.count()
    document = _refused(apis["all"], status_url(addressed), 409, data={"status": "completed"})
    assert document["code"] == "conflict"
    _refused(apis["all"], status_url(addressed), 409, data={"status": "withdrawn"})
    _refused(apis["all"], status_url(addressed), 400, data={"status": "nonsense"})
    _refused(apis["all"], status_url(addressed), 400, data={"status": 3})
    assert ReferralEvent.objects.count() == events
    addressed.refresh_from_db()
    assert addressed.status == "sent"


def test_methods_without_a_scope_are_403_problems(apis, addressed):
    problem(apis["all"].get(status_url(addressed)), 403)  # no scope reads it at all
    problem(apis["all"].client.delete(item(addressed), headers=apis["all"].headers()), 403)


def test_nested_errors_are_dotted_paths_in_every_problem():
    from nara.api.problems import flatten

    nested = {"family": {"name": ["a"]}, "items": [{"id": ["b"]}, {}], "x": ["c", "d"]}
    assert flatten(nested) == {"family.name": ["a"], "items.0.id": ["b"], "x": ["c", "d"]}
    assert flatten(["alone"]) == {"non_field_errors": ["alone"]}
