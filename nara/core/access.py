"""Access helpers: the one place that decides who may see or change what. Deny by default.

Every staff view gets its objects through these functions; they return the object or raise
Http404 (it does not exist) / PermissionDenied (it exists, but not for you). Where existence
itself is secret (people, emergency grants), both cases answer PermissionDenied.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from . import audit
from .actions.people import address_lookups
from .models import (
    CENTRE_ROLES,
    Center,
    EmergencyAccess,
    LegalBasis,
    Membership,
    Municipality,
    Partner,
    PartnerService,
    PartnerServiceSchedule,
    Person,
    Referral,
    Role,
)


def memberships(user):
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_nara_memberships"):
        user._nara_memberships = list(Membership.objects.filter(user=user))
    return user._nara_memberships


def roles(user):
    return {m.role for m in memberships(user)}


def has_role(user, *wanted):
    return bool(roles(user) & set(wanted))


def is_admin(user):
    return has_role(user, Role.ADMINISTRATOR)


def centre_ids(user, *, wanted=CENTRE_ROLES):
    return {m.center_id for m in memberships(user) if m.role in wanted}


def emergency_centre_ids(user):
    if not user.is_authenticated:
        return set()
    grants = EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now())
    return set(grants.values_list("center_id", flat=True))


def visible_centres(user):
    """Centres whose staff pages the user may open."""
    if is_admin(user):
        return Center.objects.all()
    return Center.objects.filter(pk__in=centre_ids(user))


def manageable_centres(user):
    if is_admin(user):
        return Center.objects.all()
    return Center.objects.filter(pk__in=centre_ids(user, wanted=[Role.CENTRE_MANAGER]))


def get_centre(user, pk, *, manage=False):
    centre = Center.objects.filter(pk=pk).first()
    if centre is None:
        raise Http404
    allowed = manageable_centres(user) if manage else visible_centres(user)
    if not allowed.filter(pk=pk).exists():
        raise PermissionDenied
    return centre


def get_centre_object(user, model, pk, *, manage=False):
    """An object that belongs to one centre (schedule, exception, ...), checked via its centre."""
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404
    get_centre(user, obj.center_id, manage=manage)
    return obj


def require_role(user, *wanted):
    if not has_role(user, *wanted):
        raise PermissionDenied


def require_admin(user):
    require_role(user, Role.ADMINISTRATOR)


# People: identified personal data. Analysts, partners and administrators never see them
# through these pages; social workers and managers see their own centres' people, and
# another centre's only through time-limited emergency access.


def person_access(user, person):
    """(allowed, flags) for looking at a person."""
    flags = set()
    if person.center_id in centre_ids(user):
        pass
    elif person.center_id in emergency_centre_ids(user):
        flags.add("emergency_access")
    else:
        return False, flags
    if person.protected_identity:
        flags.add("protected_identity")
    if user.last_name and user.last_name.strip().lower() == person.last_name.strip().lower():
        flags.add("same_surname")
    home = getattr(getattr(user, "staff_profile", None), "home_address", "")
    # Compared through keyed hashes: the person's address is not decrypted for this.
    if home and person.address_hash and person.address_hash in address_lookups(home):
        flags.add("same_address")
    return True, flags


def _checked_person(user, pk):
    """The person and flags, or PermissionDenied: the same answer whether the person exists
    elsewhere or not at all, so that no one can learn which ids exist."""
    person = Person.objects.filter(pk=pk).first()
    allowed, flags = person_access(user, person) if person else (False, set())
    if not allowed:
        raise PermissionDenied
    return person, flags


def check_person(user, pk):
    """The person, for a change (the change itself is audited), or PermissionDenied."""
    return _checked_person(user, pk)[0]


def check_own_person(user, pk):
    """A person of the user's own centres, for a change: emergency access reads, it does not
    change. The same PermissionDenied for every other id."""
    person = check_person(user, pk)
    if person.center_id not in centre_ids(user):
        raise PermissionDenied
    return person


def person_needs_reason(user, pk):
    """404/403 as for viewing; True when a reason must be given before the person is shown."""
    _person, flags = _checked_person(user, pk)
    return bool(flags & {"protected_identity", "emergency_access"})


def view_person(user, pk, *, reason="", extra_flags=()):
    """The person, with the view recorded in the audit trail (and flagged where it matters)."""
    person, flags = _checked_person(user, pk)
    flags |= set(extra_flags)
    with transaction.atomic():
        audit.record(
            actor=user,
            action="person.view",
            obj=person,
            reason=reason,
            person_id=person.pk,
            center_id=person.center_id,
            flags=flags,
        )
    return person


# Log review: an administrator reviews everything; a centre manager reviews what happened at
# their centres and everything their own staff did elsewhere (emergency access above all).


def managed_staff_ids(user):
    """Ids of the staff who work at a centre the user manages."""
    managed = manageable_centres(user).values("pk")
    return Membership.objects.filter(center__in=managed).values("user_id")


def reviewable_grants(user):
    grants = EmergencyAccess.objects.all()
    if is_admin(user):
        return grants
    managed = manageable_centres(user)
    return grants.filter(Q(center__in=managed) | Q(user_id__in=managed_staff_ids(user)))


def get_emergency_grant(user, pk):
    """A grant the user may review; the same 403 whether it exists elsewhere or not at all."""
    grant = reviewable_grants(user).filter(pk=pk).first()
    if grant is None:
        raise PermissionDenied
    return grant


# Casework (contacts, aliases, households, offers, consent, journal, escalations): the people
# who work at the object's centre, or hold emergency access to it. Administrators and analysts
# never reach it by their role. Whether the object exists elsewhere is not revealed: both
# answers are the same PermissionDenied.


def casework_centre_ids(user):
    """Centres whose casework the user may open: own centres, then emergency grants."""
    return centre_ids(user) | emergency_centre_ids(user)


def casework_centres(user):
    """The user's own centres for new casework (emergency access reads, it does not add)."""
    return Center.objects.filter(pk__in=centre_ids(user)).order_by("name")


def get_own_centre(user, pk):
    """A centre where the user does casework, for registering new records."""
    centre = Center.objects.filter(pk=pk, pk__in=centre_ids(user)).first()
    if centre is None:
        raise PermissionDenied
    return centre


def get_casework_object(user, model, pk):
    """A casework object of one of the user's centres (or one with emergency access)."""
    digits = str(pk).isascii() and str(pk).isdigit()  # "²" is a digit to Python, not to int()
    obj = model.objects.filter(pk=pk).first() if digits else None
    if obj is None or obj.center_id not in casework_centre_ids(user):
        raise PermissionDenied
    return obj


def get_own_casework_object(user, model, pk):
    """A casework object of one of the user's own centres, for a change (emergency access reads,
    it does not change)."""
    obj = get_casework_object(user, model, pk)
    if obj.center_id not in centre_ids(user):
        raise PermissionDenied
    return obj


def casework_flags(user, obj):
    """Flags a read of this object carries in the audit trail."""
    flags = set()
    if obj.center_id not in centre_ids(user):
        flags.add("emergency_access")
    person = getattr(obj, "person", None)
    if person is not None and person.protected_identity:
        flags.add("protected_identity")
    return flags


# Referrals: the centre's side. Only the referral's own centre (emergency access does not reach
# them; the person's page does); administrators, analysts and partner users never by these.


def get_own_referral(user, pk):
    """A referral of one of the user's own centres; the same PermissionDenied for any other."""
    return get_own_casework_object(user, Referral, pk)


def own_referrals(user):
    """Referrals of the user's own centres."""
    return Referral.objects.filter(center_id__in=centre_ids(user))


# The directory of partners and their services: not personal data. Centre staff, analysts and
# administrators read their municipality's directory; administrators and centre managers edit
# it; anyone who works at a centre may confirm a service's capacity (after a call, say). Partner
# users reach their own organisation only, through the partner portal.

DIRECTORY_READERS = (Role.ADMINISTRATOR, Role.ANALYST, *CENTRE_ROLES)
DIRECTORY_EDITORS = (Role.ADMINISTRATOR, Role.CENTRE_MANAGER)


def directory_municipality_ids(user):
    """Municipalities whose directory the user reads: all for administrators and analysts
    (one per installation by default), otherwise those of the user's centres."""
    if has_role(user, Role.ADMINISTRATOR, Role.ANALYST):
        return set(Municipality.objects.values_list("pk", flat=True))
    ids = centre_ids(user)
    return set(Center.objects.filter(pk__in=ids).values_list("municipality_id", flat=True))


def home_municipality(user):
    """The municipality a new partner or legal basis of this user belongs to."""
    ids = directory_municipality_ids(user)
    return Municipality.objects.filter(pk__in=ids).order_by("pk").first()


def can_edit_directory(user):
    return has_role(user, *DIRECTORY_EDITORS)


def visible_partners(user):
    if not has_role(user, *DIRECTORY_READERS):
        return Partner.objects.none()
    return Partner.objects.filter(municipality_id__in=directory_municipality_ids(user))


def _directory_object(user, model, pk, partner_of, *, manage):
    digits = str(pk).isascii() and str(pk).isdigit()
    obj = model.objects.filter(pk=pk).first() if digits else None
    if obj is None:
        raise Http404
    if not visible_partners(user).filter(pk=partner_of(obj)).exists():
        raise PermissionDenied
    if manage and not can_edit_directory(user):
        raise PermissionDenied
    return obj


def get_partner(user, pk, *, manage=False):
    return _directory_object(user, Partner, pk, lambda p: p.pk, manage=manage)


def get_partner_service(user, pk, *, manage=False):
    return _directory_object(user, PartnerService, pk, lambda s: s.partner_id, manage=manage)


def get_partner_hours(user, pk, *, manage=True):
    return _directory_object(
        user, PartnerServiceSchedule, pk, lambda h: h.service.partner_id, manage=manage
    )


def may_confirm_capacity(user, service):
    """Directory editors and centre staff of the municipality, or a partner user of the
    service's own organisation."""
    partner_ids = {m.partner_id for m in memberships(user) if m.role == Role.PARTNER_USER}
    if service.partner_id in partner_ids:
        return True
    return visible_partners(user).filter(pk=service.partner_id).exists() and has_role(
        user, Role.ADMINISTRATOR, *CENTRE_ROLES
    )


def get_legal_basis(user, pk):
    require_admin(user)
    digits = str(pk).isascii() and str(pk).isdigit()
    basis = LegalBasis.objects.filter(pk=pk).first() if digits else None
    if basis is None:
        raise Http404
    return basis


# Referrals and the partner portal. A partner user reaches only the referrals of their own
# organisation: those addressed to it (outgoing from a centre) and those it sent (incoming).
# Any other id, existing or not, gets the same 404, so ids cannot be probed.


def partner_ids(user):
    """The partner organisations the user works for as a partner user."""
    return {m.partner_id for m in memberships(user) if m.role == Role.PARTNER_USER}


def partner_referrals(user):
    return Referral.objects.filter(partner_id__in=partner_ids(user))


def get_partner_referral(user, pk, *, direction):
    """A referral of the user's partner organisation in `direction`, or Http404."""
    digits = str(pk).isascii() and str(pk).isdigit()
    referral = (
        partner_referrals(user).filter(pk=pk, direction=direction).first() if digits else None
    )
    if referral is None:
        raise Http404
    return referral


def get_incoming_referral(user, pk):
    """An incoming referral (from a partner) to one of the user's own centres, for reading and
    changing; the same PermissionDenied for every other id."""
    referral = get_own_casework_object(user, Referral, pk)
    if referral.direction != Referral.Direction.INCOMING:
        raise PermissionDenied
    return referral
