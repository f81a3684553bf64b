"""Staff accounts, roles, emergency access and sign-out everywhere."""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from nara.core import audit
from nara.core.models import (
    CENTRE_ROLES,
    EmergencyAccess,
    Membership,
    Role,
    RoleGrantRequest,
    StaffProfile,
)

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


class OwnRolesRefused(PermissionError):
    """No one may change their own roles."""


def do_set_memberships(*, actor, user, roles):
    """Set `user`'s roles. New casework roles of an administrator wait for a second
    administrator's approval (RoleGrantRequest); returns those requests."""
    if getattr(actor, "pk", None) == user.pk:
        raise OwnRolesRefused
    wanted = {(r, getattr(c, "pk", c), getattr(p, "pk", p)) for r, c, p in roles}
    with transaction.atomic():
        current = {(m.role, m.center_id, m.partner_id): m for m in user.memberships.all()}
        held_back = _held_for_approval(actor, current, wanted)
        wanted -= held_back
        for key in current.keys() - wanted:
            current[key].delete()
        for role, center_id, partner_id in wanted - current.keys():
            Membership.objects.create(
                user=user, role=role, center_id=center_id, partner_id=partner_id
            )
        if wanted != set(current):
            _tell_account_holder(actor, user)
            audit.record(
                actor=actor,
                action="user.roles",
                obj=user,
                changes={
                    "roles": [sorted(map(_label, current)), sorted(map(_label, wanted))],
                },
            )
        requests = [_request_casework_role(actor, user, key) for key in sorted(held_back)]
    user.__dict__.pop("_nara_memberships", None)
    return requests


def _tell_account_holder(actor, user):
    from .staff_credentials import ROLES_CHANGED, ROLES_CHANGED_SUBJECT, notify_on_commit

    if not isinstance(actor, str):  # not the identity provider's sync at sign-in
        notify_on_commit(user, ROLES_CHANGED_SUBJECT, ROLES_CHANGED)


def _held_for_approval(actor, current, wanted):
    # The identity provider is the authority for single sign-on accounts.
    if isinstance(actor, str) or (Role.ADMINISTRATOR, None, None) not in wanted:
        return set()
    return {key for key in wanted - current.keys() if key[0] in CENTRE_ROLES}


def _request_casework_role(actor, user, key):
    role, center_id, _partner_id = key
    request, created = RoleGrantRequest.objects.get_or_create(
        user=user,
        role=role,
        center_id=center_id,
        decided_at=None,
        defaults={"requested_by": actor},
    )
    if created:
        audit.record(
            actor=actor,
            action="user.casework_role_requested",
            obj=user,
            center_id=center_id,
            changes={"role": [None, _label(key)]},
            flags={"admin_casework_role"},
        )
    return request


def do_record_own_roles_attempt(*, actor):
    with transaction.atomic():
        audit.record(actor=actor, action="user.roles_own_attempt", obj=actor, flags={"own_roles"})


def do_decide_role_request(*, actor, request, approve):
    """A second administrator (not the requester, not the account holder) decides."""
    if actor.pk in (request.requested_by_id, request.user_id):
        raise PermissionError("second administrator")
    with transaction.atomic():
        request = RoleGrantRequest.objects.select_for_update().get(pk=request.pk)
        if request.decided_at is not None:
            raise ValueError("decided")
        request.decided_by, request.decided_at, request.approved = actor, timezone.now(), approve
        request.save(update_fields=["decided_by", "decided_at", "approved"])
        if approve:
            Membership.objects.get_or_create(
                user=request.user, role=request.role, center=request.center, partner=None
            )
            _tell_account_holder(actor, request.user)
        audit.record(
            actor=actor,
            action="user.casework_role_approved" if approve else "user.casework_role_refused",
            obj=request.user,
            center_id=request.center_id,
            changes={"role": [None, f"{request.role} centre {request.center_id}"]},
            flags={"admin_casework_role"},
        )
    request.user.__dict__.pop("_nara_memberships", None)
    return request


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
