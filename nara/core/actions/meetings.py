"""Collaboration meetings (samverkansmöten): record a meeting with its agreed actions and, for an
SSPF meeting, counts of young people discussed; add actions; mark them done or cancelled.

Every agreed action has exactly one owner: a colleague at the centre or a partner organisation
of the municipality. Anything that breaks a rule is refused with a message saying why, before
anything is written: a meeting is saved whole or not at all. Meetings hold no personal data:
an identity number in any text is refused, and SSPF counts are counts (0–500 per cell).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.models import (
    CENTRE_ROLES,
    Area,
    MeetingAction,
    Partner,
    PartnerMeeting,
    SSPFCount,
    YouthBand,
)
from nara.lib.personnummer import contains_identity_number
from nara.lib.topics import TOPIC_TITLES

OUTSIDE = "outside"
MAX_COUNT = 500
PLACE_MAX = 120
OTHERS_MAX = 300
SUMMARY_MAX = 1000
WHAT_MAX = 200
MAX_DAYS_BACK = 366  # a meeting is recorded within a year
MAX_DAYS_AHEAD = 366  # or planned up to a year ahead
MAX_DUE_DAYS = 2 * 366  # an action is due within two years of its meeting
Status = MeetingAction.Status


class MeetingRefused(ValueError):
    """The input breaks a rule; `field` names the form field, `row` the agreed action's place in
    the list given (or None)."""

    def __init__(self, message, field=None, row=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row


@dataclass
class AgreedAction:
    what: str
    owner: object  # a staff user of the centre, a Partner, or None (refused)
    due: dt.date


def colleagues(center):
    """Active staff accounts with a centre role at `center`: who may own an action."""
    return (
        get_user_model()
        .objects.filter(
            memberships__center=center, memberships__role__in=CENTRE_ROLES, is_active=True
        )
        .distinct()
        .order_by("first_name", "username")
    )


def partner_organisations(center):
    """The municipality's partner organisations: who may be present or own an action."""
    return Partner.objects.filter(municipality_id=center.municipality_id).order_by("name")


def catchment_areas(center):
    return Area.objects.filter(catchments__center=center).order_by("name")


def _text(value, field, limit, *, required_message=None):
    text = " ".join(str(value or "").split())
    if required_message and not text:
        raise MeetingRefused(required_message, field)
    if len(text) > limit:
        raise MeetingRefused(
            _("At most %(max)d characters. Nothing was saved.") % {"max": limit}, field
        )
    if contains_identity_number(text):
        raise MeetingRefused(
            _(
                "A meeting record holds no personal data: remove the personal identity number. "
                "Nothing was saved."
            ),
            field,
        )
    return text


def _check_held_on(held_on):
    today = timezone.localdate()
    if held_on < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise MeetingRefused(_("The meeting date cannot be more than a year ago."), "held_on")
    if held_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise MeetingRefused(_("The meeting date can be at most a year ahead."), "held_on")


def _check_owner(center, owner, row):
    if owner is None:
        raise MeetingRefused(
            _(
                "An agreed action needs an owner: a colleague at this centre or a partner "
                "organisation. Nothing was saved."
            ),
            "owner",
            row,
        )
    if isinstance(owner, Partner):
        ok = owner.municipality_id == center.municipality_id
    else:
        ok = colleagues(center).filter(pk=owner.pk).exists()
    if not ok:
        raise MeetingRefused(
            _("Choose a colleague at this centre or a partner organisation. Nothing was saved."),
            "owner",
            row,
        )


def _check_action(center, held_on, action, row=None):
    what = _text(
        action.what,
        "what",
        WHAT_MAX,
        required_message=_("Write what was agreed. Nothing was saved."),
    )
    _check_owner(center, action.owner, row)
    if action.due is None:
        raise MeetingRefused(_("Give a due date. Nothing was saved."), "due", row)
    if action.due < held_on:
        raise MeetingRefused(
            _("The due date cannot be before the meeting (%(date)s). Nothing was saved.")
            % {"date": held_on.isoformat()},
            "due",
            row,
        )
    if action.due > held_on + dt.timedelta(days=MAX_DUE_DAYS):
        raise MeetingRefused(
            _("The due date can be at most two years after the meeting. Nothing was saved."),
            "due",
            row,
        )
    return AgreedAction(what=what, owner=action.owner, due=action.due)


def check_counts(center, counts):
    """{(youth band, area id or OUTSIDE): n} → the cells to store (n > 0), or MeetingRefused."""
    areas = set(catchment_areas(center).values_list("pk", flat=True))
    cells = {}
    for (band, where), n in counts.items():
        if band not in YouthBand.values or (where != OUTSIDE and where not in areas):
            raise MeetingRefused(_("Counts are given per age band and area of the catchment."))
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_COUNT:
            raise MeetingRefused(
                _(
                    "A count is a whole number from 0 to %(max)d young people per age band and "
                    "area. Nothing was saved."
                )
                % {"max": MAX_COUNT},
                "sspf",
            )
        if n:
            cells[(band, where)] = n
    return cells


def _owner_fields(owner):
    if isinstance(owner, Partner):
        return {"owner_user": None, "owner_partner": owner}
    return {"owner_user": owner, "owner_partner": None}


def _owner_label(owner):
    return f"partner:{owner.pk}" if isinstance(owner, Partner) else f"user:{owner.pk}"


def _create_action(actor, meeting, action):
    created = MeetingAction.objects.create(
        meeting=meeting,
        center=meeting.center,
        what=action.what,
        due=action.due,
        **_owner_fields(action.owner),
    )
    audit.record(
        actor=actor,
        action="meeting_action.create",
        obj=created,
        changes={
            "meeting": [None, meeting.pk],
            "owner": [None, _owner_label(action.owner)],
            "due": [None, action.due.isoformat()],
        },
    )
    return created


def do_record_meeting(
    *,
    actor,
    center,
    held_on,
    place,
    partners=(),
    other_participants="",
    topics=(),
    summary="",
    is_sspf=False,
    sspf_counts=None,
    actions=(),
):
    """Record a meeting with its agreed actions (and SSPF counts): all of it, or nothing."""
    _check_held_on(held_on)
    place = _text(place, "place", PLACE_MAX, required_message=_("Write where you met."))
    others = _text(other_participants, "other_participants", OTHERS_MAX)
    summary = _text(summary, "summary", SUMMARY_MAX)
    partners = list(partners)
    if any(p.municipality_id != center.municipality_id for p in partners):
        raise MeetingRefused(_("Choose partner organisations of this municipality."), "partners")
    topics = list(dict.fromkeys(topics))
    if any(t not in TOPIC_TITLES for t in topics):
        raise MeetingRefused(_("There is no such help topic."), "topics")
    agreed = [_check_action(center, held_on, a, row) for row, a in enumerate(actions)]
    cells = check_counts(center, sspf_counts or {})
    if cells and not is_sspf:
        raise MeetingRefused(
            _(
                "Counts of young people are recorded for SSPF meetings only: tick “SSPF "
                "meeting” or clear the counts. Nothing was saved."
            ),
            "is_sspf",
        )
    with transaction.atomic():
        meeting = PartnerMeeting.objects.create(
            center=center,
            held_on=held_on,
            place=place,
            other_participants=others,
            topics=topics,
            summary=summary,
            is_sspf=is_sspf,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        meeting.partners.set(partners)
        SSPFCount.objects.bulk_create(
            SSPFCount(
                meeting=meeting,
                age_band=band,
                area_id=None if where == OUTSIDE else where,
                area_outside=where == OUTSIDE,
                count=n,
            )
            for (band, where), n in sorted(cells.items(), key=str)
        )
        audit.record(
            actor=actor,
            action="meeting.create",
            obj=meeting,
            changes={
                "held_on": [None, held_on.isoformat()],
                "partners": [None, sorted(p.pk for p in partners)],
                "topics": [None, topics],
                "is_sspf": [None, is_sspf],
                "young_people_counted": [None, sum(cells.values())],
                "actions": [None, len(agreed)],
            },
        )
        for action in agreed:
            _create_action(actor, meeting, action)
    return meeting


def do_add_action(*, actor, meeting, what, owner, due):
    """Add one agreed action to a recorded meeting."""
    agreed = _check_action(meeting.center, meeting.held_on, AgreedAction(what, owner, due))
    with transaction.atomic():
        return _create_action(actor, meeting, agreed)


def do_set_action_status(*, actor, action, status):
    """Open, done or cancelled; who changed it and when is kept. The same status is no change."""
    if status not in Status.values:
        raise MeetingRefused(_("Choose one of the options."), "status")
    with transaction.atomic():
        action = MeetingAction.objects.select_for_update().get(pk=action.pk)
        if action.status == status:
            return action, False
        before = action.status
        action.status = status
        action.status_changed_by = actor if getattr(actor, "pk", None) else None
        action.status_changed_at = timezone.now()
        action.save(update_fields=["status", "status_changed_by", "status_changed_at"])
        audit.record(
            actor=actor,
            action="meeting_action.status",
            obj=action,
            changes={"status": [before, status]},
        )
    return action, True
