"""Outreach shifts and group activities at the demo's social centres, through the actions.

Per centre: four evening walks of the last three weeks in the catchment, counted by age band
and gender; a homework café (counts only) with sessions and attendance; and, where the centre
gives a service with full documentation, a parenting group with the demo family's parent as a
participant and a waiting list. Everything is fictional.
"""

import datetime as dt

from django.utils import timezone

from nara.core.actions.groups import (
    do_add_session,
    do_add_to_waiting_list,
    do_create_group,
    do_record_attendance,
    do_register_participant,
)
from nara.core.actions.outreach import do_record_outreach, partners_of
from nara.core.models import Area, Person, Service

WALKS = [
    # days ago, counts {(age band, gender): n}, topics, contacts made
    (
        2,
        {("13-17", "male"): 9, ("13-17", "female"): 4, ("18-25", "male"): 3},
        ["school-absence"],
        2,
    ),
    (6, {("13-17", "male"): 6, ("6-12", "male"): 2, ("26-64", "female"): 3}, ["parenting"], 1),
    (9, {("18-25", "male"): 5, ("13-17", "female"): 7, ("26-64", "male"): 1}, ["money"], 3),
    (16, {("13-17", "male"): 11, ("13-17", "female"): 5}, ["school-absence", "parenting"], 2),
]


def _evening(day, start_hour=18, hours=3):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(start_hour, 0)))
    return start, start + dt.timedelta(hours=hours)


def build_outreach_and_groups(centre, worker, manager, rng):
    today = timezone.localdate()
    areas = list(Area.objects.filter(catchments__center=centre).distinct().order_by("name"))
    partners = list(partners_of(centre)[:2])
    for n, (days_ago, counts, topics, contacts) in enumerate(WALKS):
        starts_at, ends_at = _evening(today - dt.timedelta(days=days_ago))
        do_record_outreach(
            actor=worker,
            center=centre,
            starts_at=starts_at,
            ends_at=ends_at,
            staff=[worker, manager] if n % 2 == 0 and manager != worker else [worker],
            area=areas[n % len(areas)] if areas else None,
            topics=topics,
            counts={cell: value + rng.randint(0, 2) for cell, value in counts.items()},
            contacts_made=contacts,
            partners=partners[: n % 3],
        )
    _homework_cafe(centre, worker, today)
    _parenting_group(centre, worker, today, partners)


def _sessions(group, leader, today, days, *, partner_leader=""):
    made = []
    for days_from_today in days:
        starts_at, ends_at = _evening(today + dt.timedelta(days=days_from_today), 17, 2)
        made.append(
            do_add_session(
                actor=leader,
                activity=group,
                starts_at=starts_at,
                ends_at=ends_at,
                leaders=[leader],
                partner_leader=partner_leader,
            )
        )
    return made


def _homework_cafe(centre, worker, today):
    services = Service.objects.filter(centers=centre, documentation_level="counts_only")
    service = services.filter(slug="motesplats").first() or services.first()
    if service is None:
        return
    group = do_create_group(
        actor=worker, center=centre, service=service, title="Läxcafé", capacity=20
    )
    for n, session in enumerate(_sessions(group, worker, today, (-14, -7, -1, 6))):
        if session.starts_at <= timezone.now():
            do_record_attendance(actor=worker, session=session, attended=11 + 2 * n)
    do_add_to_waiting_list(actor=worker, activity=group, count=3)


def _parenting_group(centre, worker, today, partners):
    services = Service.objects.filter(centers=centre, documentation_level="full")
    service = services.filter(slug="unga").first() or services.first()
    parent = Person.objects.filter(center=centre, households__relationship="parent").first()
    if service is None or parent is None:
        return
    group = do_create_group(
        actor=worker,
        center=centre,
        service=service,
        title="Föräldragrupp: tonårsföräldrar",
        capacity=1,
        partner=partners[0] if partners else None,
    )
    participant = do_register_participant(
        actor=worker, activity=group, person=parent, on=today - dt.timedelta(days=10)
    )
    for session in _sessions(group, worker, today, (-8, -1, 6), partner_leader="Lena från BVC"):
        if session.starts_at <= timezone.now():
            do_record_attendance(actor=worker, session=session, attended=1, present=[participant])
    child = Person.objects.filter(center=centre, households__relationship="child").first()
    if child is not None:
        do_add_to_waiting_list(actor=worker, activity=group, person=child)
