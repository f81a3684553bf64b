"""Staff accounts, roles, emergency access and sign-out everywhere."""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from nara.core import audit
from nara.core.models import EmergencyAccess, Membership, StaffProfile

EMERGENCY_HOURS = 4


def profile_of(user):
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    return profile


def do_create_staff_user(
    *, actor, username, password=None, first_name="", last_name="", email="", roles=()
):
    """roles: iterable of (role, center or None, partner or None)."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_staff=True,
        )
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        profile_of(user)
        audit.record(
            actor=actor, action="user.create", obj=user, changes={"username": [None, username]}
        )
        do_set_memberships(actor=actor, user=user, roles=roles)
    return user


def do_set_memberships(*, actor, user, roles):
    wanted = {(r, getattr(c, "pk", c), getattr(p, "pk", p)) for r, c, p in roles}
    with transaction.atomic():
        current = {(m.role, m.center_id, m.partner_id): m for m in user.memberships.all()}
        for key in current.keys() - wanted:
            current[key].delete()
        for role, center_id, partner_id in wanted - current.keys():
            Membership.objects.create(
                user=user, role=role, center_id=center_id, partner_id=partner_id
            )
        if wanted != set(current):
            audit.record(
                actor=actor,
                action="user.roles",
                obj=user,
                changes={
                    "roles": [sorted(map(_label, current)), sorted(map(_label, wanted))],
                },
            )
    user.__dict__.pop("_nara_memberships", None)


def _label(key):
    role, center_id, partner_id = key
    scope = f"centre {center_id}" if center_id else f"partner {partner_id}" if partner_id else ""
    return f"{role} {scope}".strip()


def meaningful_reason(text):
    """At least a short sentence of one's own: 25 characters and four different words."""
    text = (text or "").strip()
    words = {word.casefold() for word in re.findall(r"[^\W\d_]{2,}", text)}
    return len(text) >= 25 and len(words) >= 4


def do_grant_emergency_access(*, actor, center, category, reason):
    reason = (reason or "").strip()
    if category not in EmergencyAccess.Category.values:
        raise ValueError("category")
    if not meaningful_reason(reason):
        raise ValueError("reason")
    with transaction.atomic():
        grant = EmergencyAccess.objects.create(
            user=actor,
            center=center,
            category=category,
            reason=reason,
            expires_at=timezone.now() + dt.timedelta(hours=EMERGENCY_HOURS),
        )
        audit.record(
            actor=actor,
            action="emergency_access.grant",
            obj=grant,
            reason=reason,
            changes={"category": category},
            center_id=center.pk,
            flags={"emergency_access"},
        )
    return grant


def do_review_emergency_access(*, actor, grant):
    with transaction.atomic():
        grant.reviewed_by, grant.reviewed_at = actor, timezone.now()
        grant.save(update_fields=["reviewed_by", "reviewed_at"])
        audit.record(
            actor=actor, action="emergency_access.review", obj=grant, center_id=grant.center_id
        )


def do_sign_out_everywhere(*, actor):
    with transaction.atomic():
        profile = profile_of(actor)
        profile.session_generation += 1
        profile.save(update_fields=["session_generation"])
        audit.record(actor=actor, action="user.sign_out_everywhere", obj=actor)
    return profile.session_generation


def do_record_sign_in(*, user, method):
    with transaction.atomic():
        audit.record(actor=user, action="user.sign_in", obj=user, changes={"method": method})
