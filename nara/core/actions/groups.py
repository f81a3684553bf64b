"""Group activities (gruppverksamhet): sessions, attendance, participants and a waiting list.

Who takes part is recorded as the service's documentation level allows, by the casework rules
of core/actions/contacts.py:

full         → registered participants are people of the centre;
no identity  → participants are aliases (chosen by the resident), never people;
counts only  → no one is registered: attendance is a number, the waiting list a number.

Attendance is a total per session (how many came); on a full or no-identity group the
registered participants present are marked beside it. Every write of a participant or
waiting-list entry naming someone carries the person in its audit entry, as person reads do.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.models import (
    GroupActivity,
    GroupParticipant,
    GroupSession,
    Service,
    SessionAttendance,
    WaitingListEntry,
)

from .contacts import (
    ALLOWED,
    MAX_DAYS_BACK,
    ContactRefused,
    _alias_for,
    check_service_given,
    level_refusal,
)
from .outreach import check_note, check_number, check_partners, check_staff, check_times

GroupRefused = ContactRefused
Level = Service.DocumentationLevel
MAX_CAPACITY = 500
MAX_ATTENDED = 1000
MAX_WAITING_COUNT = 50
PLAN_AHEAD_DAYS = 366


def do_create_group(*, actor, center, service, title, capacity, partner=None):
    title = " ".join(title.split())
    if not title:
        raise GroupRefused(_("Give the group a title."), "title")
    check_note(title, "title", 120)
    check_service_given(center, service)
    check_number(capacity, "capacity", MAX_CAPACITY)
    if capacity < 1:
        raise GroupRefused(_("A group has at least one place."), "capacity")
    if partner is not None:
        check_partners(center, [partner], "partner")
    with transaction.atomic():
        group = GroupActivity.objects.create(
            center=center,
            service=service,
            title=title,
            partner=partner,
            capacity=capacity,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="group.create",
            obj=group,
            changes={
                "title": [None, title],
                "service": [None, service.slug],
                "capacity": [None, capacity],
                "partner": [None, getattr(partner, "pk", None)],
            },
        )
    return group


def do_add_session(*, actor, activity, starts_at, ends_at, leaders=(), partner_leader=""):
    """A session of the group, past or planned (up to a year ahead), with its leaders."""
    partner_leader = " ".join(partner_leader.split())
    check_times(starts_at, ends_at, allow_future=True)
    if starts_at > timezone.now() + dt.timedelta(days=PLAN_AHEAD_DAYS):
        raise GroupRefused(_("A session can be planned at most a year ahead."), "date")
    check_staff(activity.center, leaders, "leaders")
    check_note(partner_leader, "partner_leader", 80)
    with transaction.atomic():
        session = GroupSession.objects.create(
            activity=activity, starts_at=starts_at, ends_at=ends_at, partner_leader=partner_leader
        )
        session.leaders.set(leaders)
        audit.record(
            actor=actor,
            action="group.add_session",
            obj=session,
            center_id=activity.center_id,
            changes={
                "group": [None, activity.pk],
                "starts_at": [None, timezone.localtime(starts_at).isoformat(timespec="minutes")],
                "ends_at": [None, timezone.localtime(ends_at).isoformat(timespec="minutes")],
                "leaders": [None, sorted(u.pk for u in leaders)],
                "partner_leader": [None, partner_leader or None],
            },
        )
    return session


def registers_people(service):
    """What a participant of a group of this service is: "person", "alias" or None."""
    allowed = ALLOWED[service.documentation_level]
    if "person" in allowed:
        return "person"
    if "alias" in allowed:
        return "alias"
    return None


def active_participants(activity):
    return activity.participants.filter(left_on__isnull=True)


def free_places(activity):
    """Places left: capacity less active participants and placed anonymous waiting entries."""
    placed = (
        activity.waiting.filter(
            status=WaitingListEntry.Status.PLACED, person__isnull=True, alias__isnull=True
        ).aggregate(n=Sum("count"))["n"]
        or 0
    )
    return max(0, activity.capacity - active_participants(activity).count() - placed)


def check_who(activity, *, person=None, alias=None, alias_name="", count_only=False):
    """Refuse (nothing read, nothing saved) a subject the group's service does not allow."""
    kind = registers_people(activity.service)
    given = {
        "person": person is not None,
        "alias": alias is not None or bool(alias_name.strip()),
    }
    if any(v for k, v in given.items() if k != kind):
        raise GroupRefused(level_refusal(activity.service))
    if kind is not None and not count_only and not given[kind]:
        if kind == "person":
            raise GroupRefused(_("Give the person's identity number."), "pnr")
        raise GroupRefused(_("Give the alias the resident chose."), "alias_name")


def _check_person(activity, person):
    if person is not None and person.center_id != activity.center_id:
        raise GroupRefused(_("That record belongs to another centre."), "pnr")


def _subject_ids(obj):
    return {"person": obj.person_id, "alias": obj.alias_id}


def do_register_participant(*, actor, activity, person=None, alias=None, alias_name="", on=None):
    """Register a person (full) or an alias (no identity) as a participant, if a place is free.
    On a counts-only group nothing is registered: refused with the reason."""
    check_who(activity, person=person, alias=alias, alias_name=alias_name)
    _check_person(activity, person)
    on = on or timezone.localdate()
    with transaction.atomic():
        GroupActivity.objects.select_for_update().filter(pk=activity.pk).first()
        if alias is None and alias_name.strip():
            alias, _created = _alias_for(activity.center, None, alias_name, False)
        if alias is not None and alias.center_id != activity.center_id:
            raise GroupRefused(_("That record belongs to another centre."), "alias_name")
        current = active_participants(activity).filter(
            Q(person=person) if person is not None else Q(alias=alias)
        )
        if current.exists():
            raise GroupRefused(_("Already a participant of this group."))
        if free_places(activity) < 1:
            raise GroupRefused(
                _("The group is full. Put them on the waiting list. Nothing was saved.")
            )
        participant = GroupParticipant.objects.create(
            activity=activity, person=person, alias=alias, joined_on=on
        )
        audit.record(
            actor=actor,
            action="participant.register",
            obj=participant,
            center_id=activity.center_id,
            person_id=participant.person_id,
            changes={"group": [None, activity.pk], **_as_changes(_subject_ids(participant))},
        )
    return participant


def _as_changes(values):
    return {k: [None, v] for k, v in values.items() if v is not None}


def do_end_participation(*, actor, participant, on=None):
    on = on or timezone.localdate()
    with transaction.atomic():
        participant = GroupParticipant.objects.select_for_update().get(pk=participant.pk)
        if participant.left_on is not None:
            raise GroupRefused(_("They have already left the group."))
        participant.left_on = max(on, participant.joined_on)
        participant.save(update_fields=["left_on"])
        audit.record(
            actor=actor,
            action="participant.leave",
            obj=participant,
            center_id=participant.activity.center_id,
            person_id=participant.person_id,
            changes={"left_on": [None, participant.left_on.isoformat()]},
        )
    return participant


def do_record_attendance(*, actor, session, attended, present=()):
    """How many came to a session, and which registered participants were there."""
    activity = session.activity
    check_number(attended, "attended", MAX_ATTENDED)
    if session.starts_at > timezone.now():
        raise GroupRefused(
            _("Attendance is recorded once the session has begun. Nothing was saved."),
            "attended",
        )
    present = list(present)
    if present and registers_people(activity.service) is None:
        raise GroupRefused(level_refusal(activity.service))
    ids = {p.pk for p in present}
    known = set(activity.participants.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - known:
        raise GroupRefused(_("Mark only participants of this group."), "present")
    if len(ids) > attended:
        raise GroupRefused(
            _("More participants are marked present than came. Nothing was saved."), "attended"
        )
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().get(pk=session.pk)
        before = set(session.present.values_list("participant_id", flat=True))
        if session.attended != attended:
            audit.record(
                actor=actor,
                action="group.attendance",
                obj=session,
                center_id=activity.center_id,
                changes={"attended": [session.attended, attended]},
            )
            session.attended = attended
            session.save(update_fields=["attended"])
        session.present.exclude(participant_id__in=ids).delete()
        SessionAttendance.objects.bulk_create(
            SessionAttendance(session=session, participant_id=pk) for pk in ids - before
        )
        changed = GroupParticipant.objects.filter(pk__in=ids ^ before).order_by("pk")
        for participant in changed:  # one entry per person, found by the person's log
            audit.record(
                actor=actor,
                action="participant.attendance",
                obj=participant,
                center_id=activity.center_id,
                person_id=participant.person_id,
                changes={
                    "session": [None, session.pk],
                    "present": [participant.pk in before, participant.pk in ids],
                },
            )
    return session


def do_add_to_waiting_list(*, actor, activity, person=None, alias=None, alias_name="", count=1):
    """Someone waiting for a place: a person (full), an alias (no identity), or on a
    counts-only group just how many are waiting."""
    counts_only = registers_people(activity.service) is None
    check_who(activity, person=person, alias=alias, alias_name=alias_name, count_only=counts_only)
    _check_person(activity, person)
    check_number(count, "count", MAX_WAITING_COUNT)
    if count < 1:
        raise GroupRefused(_("At least one person is waiting."), "count")
    if not counts_only and count != 1:
        raise GroupRefused(_("One entry is one person."), "count")
    with transaction.atomic():
        if alias is None and alias_name.strip():
            alias, _created = _alias_for(activity.center, None, alias_name, False)
        if alias is not None and alias.center_id != activity.center_id:
            raise GroupRefused(_("That record belongs to another centre."), "alias_name")
        waiting = activity.waiting.filter(status=WaitingListEntry.Status.WAITING)
        if (person is not None and waiting.filter(person=person).exists()) or (
            alias is not None and waiting.filter(alias=alias).exists()
        ):
            raise GroupRefused(_("Already on the waiting list."))
        entry = WaitingListEntry.objects.create(
            activity=activity,
            person=person,
            alias=alias,
            count=count,
            added_on=timezone.localdate(),
        )
        audit.record(
            actor=actor,
            action="waiting.add",
            obj=entry,
            center_id=activity.center_id,
            person_id=entry.person_id,
            changes={
                "group": [None, activity.pk],
                "count": [None, count],
                **_as_changes(_subject_ids(entry)),
            },
        )
    return entry


def do_offer_place(*, actor, entry):
    """A place is free: the one waiting longest (or this entry) gets it. A person or alias
    becomes a participant; a counted entry takes as many places as it counts."""
    with transaction.atomic():
        entry = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
        activity = entry.activity
        if entry.status != WaitingListEntry.Status.WAITING:
            raise GroupRefused(_("This entry is no longer waiting."))
        if free_places(activity) < entry.count:
            raise GroupRefused(_("No place is free. Nothing was changed."))
        if entry.person_id or entry.alias_id:
            do_register_participant(
                actor=actor, activity=activity, person=entry.person, alias=entry.alias
            )
        entry.status = WaitingListEntry.Status.PLACED
        entry.decided_on = timezone.localdate()
        entry.save(update_fields=["status", "decided_on"])
        audit.record(
            actor=actor,
            action="waiting.offer",
            obj=entry,
            center_id=activity.center_id,
            person_id=entry.person_id,
            changes={"status": [WaitingListEntry.Status.WAITING, entry.status]},
        )
    return entry


def record_participant_read(*, actor, activity, rows):
    """A read of the group's named participants or waiting list: one audit entry per person
    shown (so the person's log shows it), one for the aliases."""
    named = [r for r in rows if r.person_id]
    if not rows:
        return
    with transaction.atomic():
        for row in named:
            audit.record(
                actor=actor,
                action="participant.view",
                obj=row,
                center_id=activity.center_id,
                person_id=row.person_id,
                changes={"group": activity.pk},
            )
        if len(named) < len(rows):
            audit.record(
                actor=actor,
                action="participant.view",
                obj=activity,
                changes={"aliases": sorted({r.alias_id for r in rows if r.alias_id})},
            )


def check_session_day(day):
    today = timezone.localdate()
    if day < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise GroupRefused(_("The date cannot be more than a year ago."), "date")
    if day > today + dt.timedelta(days=PLAN_AHEAD_DAYS):
        raise GroupRefused(_("A session can be planned at most a year ahead."), "date")
