"""Group activities: the centre's groups, a group's sessions, participants and waiting list,
and attendance per session. Own centres only. Named participants are shown only on groups of
a service with full documentation (people) or no identity (aliases); every page showing them
writes an audit entry per person, as a person's page does."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions import groups as actions
from nara.core.actions.people import find_by_personnummer, record_search
from nara.core.models import (
    CENTRE_ROLES,
    GroupActivity,
    GroupParticipant,
    GroupSession,
    WaitingListEntry,
)

from .decorators import staff_view
from .outreach_forms import (
    AliasForm,
    AttendanceForm,
    CountForm,
    GroupForm,
    SessionForm,
    participant_name,
)
from .outreach_views import choose_centre, posted
from .people_views import IDENTITY_NUMBER, PersonnummerField

# Fields of a crafted request that would name someone; refused where the service does not
# allow who they name, before anything is looked up.
SUBJECT_FIELDS = {"pnr": "person", "person": "person", "alias_name": "alias", "alias": "alias"}


class PersonForm(forms.Form):
    pnr = PersonnummerField(label=IDENTITY_NUMBER, max_length=20)


@staff_view(*CENTRE_ROLES)
def groups_start(request):
    return choose_centre(request, "workspace:group-list", _("Group activities"), group_list)


@staff_view(*CENTRE_ROLES)
def group_list(request, pk):
    centre = access.get_own_centre(request.user, pk)
    groups = GroupActivity.objects.filter(center=centre).select_related("service", "partner")
    context = {"centre": centre, "groups": groups}
    return render(request, "workspace/outreach/group_list.html", context)


@staff_view(*CENTRE_ROLES)
def group_new(request, pk):
    centre = access.get_own_centre(request.user, pk)
    form = GroupForm(posted(request), centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.do_create_group(actor=request.user, center=centre, **form.values())
        except actions.GroupRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, _("Group saved. Add its sessions."))
            return redirect("workspace:group", group.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"centre": centre, "form": form}
    return render(request, "workspace/outreach/group_form.html", context, status=status)


def _own_group(user, pk):
    return access.get_own_casework_object(user, GroupActivity, pk)


def _subject_forms(group, data=None):
    kind = actions.registers_people(group.service)
    if kind == "person":
        return PersonForm(data, prefix=None)
    if kind == "alias":
        return AliasForm(data)
    return None


def group_page(request, group, *, register=None, waiting=None, error="", status=200):
    """The group with its sessions, participants and waiting list (named rows audited)."""
    kind = actions.registers_people(group.service)
    participants = list(
        actions.active_participants(group).select_related("person", "alias").order_by("joined_on")
    )
    entries = list(
        group.waiting.filter(status=WaitingListEntry.Status.WAITING).select_related(
            "person", "alias"
        )
    )
    actions.record_participant_read(
        actor=request.user,
        activity=group,
        rows=[r for r in participants + entries if r.person_id or r.alias_id],
    )
    free = actions.free_places(group)
    sessions = group.sessions.prefetch_related("leaders")
    context = {
        "group": group,
        "centre": group.center,
        "kind": kind,
        "sessions": sessions,
        "participants": [(p, participant_name(p)) for p in participants],
        "waiting": [(e, participant_name(e), e.count <= free) for e in entries],
        "free": free,
        "register_form": register if register is not None else _subject_forms(group),
        "waiting_form": waiting
        if waiting is not None
        else (_subject_forms(group) if kind else CountForm()),
        "error": error,
        "now": timezone.now(),
    }
    return render(request, "workspace/outreach/group_detail.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def group_detail(request, pk):
    return group_page(request, _own_group(request.user, pk))


def _crafted(group, post):
    """Why a POST naming someone the group's service does not allow is refused, or ""."""
    kind = actions.registers_people(group.service)
    sent = {name for name in SUBJECT_FIELDS if str(post.get(name, "")).strip()}
    if any(SUBJECT_FIELDS[name] != kind for name in sent):
        return actions.level_refusal(group.service)
    return ""


def _subject(request, group, form):
    """The person (found by number, at this centre) or alias name from a valid subject form;
    raises GroupRefused when no such person is registered here."""
    if isinstance(form, AliasForm):
        return {"alias_name": form.cleaned_data["alias_name"]}
    person = find_by_personnummer(form.cleaned_data["pnr"])
    mine = person is not None and person.center_id == group.center_id
    record_search(
        actor=request.user,
        how="personnummer",
        found=[person] if person else [],
        shown=[person] if mine else [],
    )
    if not mine:
        raise actions.GroupRefused(
            _(
                "No one with that number is registered at this centre. Register the person "
                "first. Nothing was saved."
            ),
            "pnr",
        )
    return {"person": access.check_own_person(request.user, person.pk)}


def _subject_post(request, pk, *, which, act, done):
    group = _own_group(request.user, pk)
    refusal = _crafted(group, request.POST)
    if refusal:  # checked before anything named in the request is read
        return group_page(request, group, error=refusal, status=400)
    kind = actions.registers_people(group.service)
    form = _subject_forms(group, request.POST) if kind else CountForm(request.POST)
    pages = {which: form}
    if which == "register" and kind is None:
        return group_page(request, group, error=actions.level_refusal(group.service), status=400)
    if not form.is_valid():
        return group_page(request, group, **pages, status=400)
    try:
        values = _subject(request, group, form) if kind else dict(form.cleaned_data)
        act(actor=request.user, activity=group, **values)
    except actions.GroupRefused as refused:
        if isinstance(form, AliasForm):
            form.data = form.data.copy()  # a refused alias may be a number: not written back
            form.data["alias_name"] = ""
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        return group_page(request, group, **pages, status=400)
    messages.success(request, done)
    return redirect("workspace:group", group.pk)


@staff_view(*CENTRE_ROLES)
@require_POST
def group_register(request, pk):
    return _subject_post(
        request,
        pk,
        which="register",
        act=actions.do_register_participant,
        done=_("Registered as a participant."),
    )


@staff_view(*CENTRE_ROLES)
@require_POST
def group_waiting_add(request, pk):
    return _subject_post(
        request,
        pk,
        which="waiting",
        act=actions.do_add_to_waiting_list,
        done=_("Added to the waiting list."),
    )


@staff_view(*CENTRE_ROLES)
@require_POST
def waiting_offer(request, pk):
    entry = access.get_own_casework_object(request.user, WaitingListEntry, pk)
    try:
        actions.do_offer_place(actor=request.user, entry=entry)
    except actions.GroupRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("A place was offered and taken."))
    return redirect("workspace:group", entry.activity_id)


@staff_view(*CENTRE_ROLES)
@require_POST
def participant_leave(request, pk):
    participant = access.get_own_casework_object(request.user, GroupParticipant, pk)
    try:
        actions.do_end_participation(actor=request.user, participant=participant)
    except actions.GroupRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("They have left the group; the place is free."))
    return redirect("workspace:group", participant.activity_id)


@staff_view(*CENTRE_ROLES)
def session_new(request, pk):
    group = _own_group(request.user, pk)
    form = SessionForm(posted(request), centre=group.center, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_session(actor=request.user, activity=group, **form.values())
        except actions.GroupRefused as refused:
            field = refused.field if refused.field in form.fields else None
            if field == "partner_leader":
                form.data = form.data.copy()
                form.data["partner_leader"] = ""
            form.add_error(field, refused.message)
        else:
            messages.success(request, _("Session saved."))
            return redirect("workspace:group", group.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"group": group, "centre": group.center, "form": form}
    return render(request, "workspace/outreach/session_form.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def session_detail(request, pk):
    session = access.get_own_casework_object(request.user, GroupSession, pk)
    group = session.activity
    marked = set(session.present.values_list("participant_id", flat=True))
    participants = list(
        group.participants.filter(Q(left_on__isnull=True) | Q(pk__in=marked))
        .select_related("person", "alias")
        .order_by("joined_on", "pk")
    )
    initial = {"attended": session.attended, "present": [str(pk) for pk in marked]}
    form = AttendanceForm(posted(request), participants=participants, initial=initial)
    crafted = request.method == "POST" and "present" in request.POST
    if crafted and actions.registers_people(group.service) is None:
        # Counts only: no one is marked by name. Refused before anything is saved.
        form.is_valid()
        form.add_error(None, actions.level_refusal(group.service))
    elif request.method == "POST" and form.is_valid():
        present = [form.participants[pk] for pk in form.cleaned_data.get("present") or []]
        try:
            actions.do_record_attendance(
                actor=request.user,
                session=session,
                attended=form.cleaned_data["attended"],
                present=present,
            )
        except actions.GroupRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, _("Attendance saved."))
            return redirect("workspace:group", group.pk)
    actions.record_participant_read(actor=request.user, activity=group, rows=participants)
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "session": session,
        "group": group,
        "centre": group.center,
        "form": form,
        "started": session.starts_at <= timezone.now(),
    }
    return render(request, "workspace/outreach/session_detail.html", context, status=status)
