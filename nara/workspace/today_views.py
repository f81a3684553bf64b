"""The social worker's day: what needs doing today at my centres, and tasks made by hand.

Every section is read with a fixed number of queries for all of the user's centres together
(window functions cap the rows shown per centre), so the page costs the same at five items as
at two million. HTMX swaps single sections; every write is a plain POST that redirects.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access, audit, queries
from nara.core.actions.followups import do_complete_task, do_create_task, next_working_day
from nara.core.models import (
    CENTRE_ROLES,
    OPEN_STATUSES,
    AnonymousQuestion,
    Appointment,
    CallbackRequest,
    Channel,
    Contact,
    DropInHeadcount,
    FollowUpTask,
    MeetingAction,
    Membership,
    Person,
    Referral,
    ReferralStatus,
    Role,
    SupportOffer,
)
from nara.lib.personnummer import contains_identity_number

from . import portal_views, views
from .decorators import staff_view
from .forms import forget

SHOWN = 25  # rows per section and centre; the rest is a count with a link
FURTHEST_DUE_DAYS = 2 * 366
SECTIONS = ("bookings", "dropin", "waiting", "referrals", "tasks", "offers", "clocks", "meetings")


@dataclass
class CentreDay:
    centre: object
    bookings: list = field(default_factory=list)
    dropins: list = field(default_factory=list)
    dropin_contacts: int = 0
    headcount: int | None = None
    callbacks: list = field(default_factory=list)
    callbacks_total: int = 0
    questions: list = field(default_factory=list)
    questions_total: int = 0
    tasks: list = field(default_factory=list)
    tasks_total: int = 0
    offers: list = field(default_factory=list)
    offers_total: int = 0
    clocks: list = field(default_factory=list)
    clocks_total: int = 0
    meeting_actions: list = field(default_factory=list)
    meeting_actions_total: int = 0
    referrals: list = field(default_factory=list)
    referrals_total: int = 0

    @property
    def visitors_today(self):
        return self.dropin_contacts + (self.headcount or 0)

    @property
    def bookings_more(self):
        return max(0, len(self.bookings) - SHOWN)


def _capped(queryset, *order):
    """At most SHOWN rows per centre, in `order`, in one query for all centres."""
    rank = Window(RowNumber(), partition_by=F("center_id"), order_by=list(order))
    return queryset.annotate(rank_in_centre=rank).filter(rank_in_centre__lte=SHOWN).order_by(*order)


def _totals(queryset):
    rows = queryset.order_by().values("center_id").annotate(n=Count("pk"))
    return {row["center_id"]: row["n"] for row in rows}


def _fill(days, attribute, rows):
    for row in rows:
        getattr(days[row.center_id], attribute).append(row)


def _today_bounds(today):
    zone = timezone.get_current_timezone()
    begin = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    return begin, begin + dt.timedelta(days=1)


def _bookings(days, ids, user, today):
    begin, end = _today_bounds(today)
    todays = Appointment.objects.filter(
        center_id__in=ids, slot__starts_at__gte=begin, slot__starts_at__lt=end
    )
    _fill(days, "bookings", _capped(todays.select_related("slot"), F("slot__starts_at").asc()))


def _dropin(days, ids, user, today):
    for day in days.values():
        plan = queries.center_plan(day.centre, today, days=1)
        now = queries.local_now()
        day.dropins = [
            {
                "slot": slot,
                "now": dt.datetime.combine(today, slot.opens_at)
                <= now
                < dt.datetime.combine(today, slot.closes_at),
            }
            for slot in plan[0].dropins
        ]
    contacts = _totals(
        Contact.objects.filter(center_id__in=ids, channel=Channel.DROP_IN, occurred_on=today)
    )
    counted = dict(
        DropInHeadcount.objects.filter(center_id__in=ids, date=today).values_list(
            "center_id", "count"
        )
    )
    for centre_id, day in days.items():
        day.dropin_contacts = contacts.get(centre_id, 0)
        day.headcount = counted.get(centre_id)


def _waiting(days, ids, user, today):
    callbacks = CallbackRequest.objects.filter(center_id__in=ids, handled_at__isnull=True)
    questions = AnonymousQuestion.objects.filter(center_id__in=ids, answered_at__isnull=True)
    _fill(days, "callbacks", _capped(callbacks, F("created_at").asc(), F("pk").asc()))
    _fill(days, "questions", _capped(questions, F("created_at").asc(), F("pk").asc()))
    for attribute, queryset in (("callbacks_total", callbacks), ("questions_total", questions)):
        for centre_id, n in _totals(queryset).items():
            setattr(days[centre_id], attribute, n)


# An incoming referral waits for the centre until contact is made.
INCOMING_WAITING = (ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED)


def _referrals(days, ids, user, today):
    """Outgoing referrals whose reminder is due (no answer yet), and incoming ones the centre
    has not made contact on yet, the longest waiting first."""
    reminder_due = FollowUpTask.objects.filter(
        referral=OuterRef("pk"), done_at__isnull=True, due__lte=today
    )
    waiting = (
        Referral.objects.filter(center_id__in=ids)
        .annotate(reminder_due=Exists(reminder_due))
        .filter(
            Q(direction=Referral.Direction.OUTGOING, status__in=OPEN_STATUSES, reminder_due=True)
            | Q(direction=Referral.Direction.INCOMING, status__in=INCOMING_WAITING)
        )
    )
    rows = _capped(
        waiting.select_related("partner", "service"), F("status_changed_at").asc(), F("pk").asc()
    )
    _fill(days, "referrals", rows)
    for centre_id, n in _totals(waiting).items():
        days[centre_id].referrals_total = n
    now = timezone.now()
    for day in days.values():
        for referral in day.referrals:
            referral.waiting_days = (now - referral.status_changed_at).days


def open_tasks_for(user, ids):
    """Open tasks (not escalation clocks) of the centres: mine first, then nobody's."""
    mine = Case(
        When(assigned_to=user, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        FollowUpTask.objects.filter(center_id__in=ids, done_at__isnull=True, escalation=None)
        .filter(Q(assigned_to=user) | Q(assigned_to=None))
        .annotate(mine_first=mine)
    )


def _tasks(days, ids, user, today):
    due = open_tasks_for(user, ids).filter(due__lte=today)
    order = (F("mine_first").asc(), F("due").asc(), F("pk").asc())
    _fill(days, "tasks", _capped(due.select_related("assigned_to", "referral"), *order))
    for centre_id, n in _totals(due).items():
        days[centre_id].tasks_total = n
    for day in days.values():
        for task in day.tasks:
            task.overdue_days = (today - task.due).days


def _offers(days, ids, user, today):
    waiting = SupportOffer.objects.filter(
        center_id__in=ids,
        answer__in=[SupportOffer.Answer.NO_ANSWER, SupportOffer.Answer.THINKING],
    )
    rows = _capped(waiting.select_related("service", "alias"), F("offered_on").asc(), F("pk").asc())
    _fill(days, "offers", rows)
    for centre_id, n in _totals(waiting).items():
        days[centre_id].offers_total = n


def _clocks(days, ids, user, today):
    running = FollowUpTask.objects.filter(
        center_id__in=ids, done_at__isnull=True, escalation__isnull=False
    )
    rows = _capped(running.select_related("escalation"), F("due").asc(), F("pk").asc())
    _fill(days, "clocks", rows)
    for centre_id, n in _totals(running).items():
        days[centre_id].clocks_total = n
    for day in days.values():
        for task in day.clocks:
            task.days_left = (task.due - today).days
            task.overdue_days = max(0, -task.days_left)


def overdue_meeting_actions_for(user, ids, today):
    """Open agreed actions past their due date that are the user's to follow up: those they
    own; those a partner organisation owns, from meetings they recorded; and, so that nothing
    is lost, those whose owner (or, for a partner's, whose recorder) no longer works there."""
    here = Membership.objects.filter(
        center=OuterRef("center"), role__in=CENTRE_ROLES, user__is_active=True
    )
    return (
        MeetingAction.objects.filter(
            center_id__in=ids, status=MeetingAction.Status.OPEN, due__lt=today
        )
        .annotate(
            owner_here=Exists(here.filter(user=OuterRef("owner_user"))),
            recorder_here=Exists(here.filter(user=OuterRef("meeting__recorded_by"))),
        )
        .filter(
            Q(owner_user=user)
            | Q(owner_user__isnull=False, owner_here=False)
            | Q(owner_user__isnull=True, meeting__recorded_by=user)
            | Q(owner_user__isnull=True, recorder_here=False)
        )
    )


def _meetings(days, ids, user, today):
    overdue = overdue_meeting_actions_for(user, ids, today)
    rows = _capped(
        overdue.select_related("meeting", "owner_partner"), F("due").asc(), F("pk").asc()
    )
    _fill(days, "meeting_actions", rows)
    for centre_id, n in _totals(overdue).items():
        days[centre_id].meeting_actions_total = n
    for day in days.values():
        for action in day.meeting_actions:
            action.overdue_days = (today - action.due).days


READERS = {
    "bookings": _bookings,
    "dropin": _dropin,
    "waiting": _waiting,
    "tasks": _tasks,
    "offers": _offers,
    "clocks": _clocks,
    "meetings": _meetings,
    "referrals": _referrals,
}


def centre_days(user, centres, sections=SECTIONS):
    """CentreDay per centre, with the sections asked for read from the database."""
    today = timezone.localdate()
    days = {c.pk: CentreDay(centre=c) for c in centres}
    for name in sections:
        READERS[name](days, list(days), user, today)
    return list(days.values())


def _my_centres(user, today):
    return list(
        access.casework_centres(user).prefetch_related(*queries.plan_prefetches(today, days=1))
    )


def _attach_loaded_centres(memberships, centres):
    """Name each role's centre from the centres already read, not one query per role."""
    loaded = {c.pk: c for c in centres}
    for membership in memberships:
        if membership.center_id in loaded:
            membership.center = loaded[membership.center_id]


def _own_centre_with_plan(user, pk):
    """The user's own centre `pk` with its schedules prefetched, or None."""
    return next((c for c in _my_centres(user, timezone.localdate()) if c.pk == pk), None)


def _audit_today(user, centres):
    with transaction.atomic():
        audit.record(
            actor=user,
            action="today.view",
            obj=centres[0] if len(centres) == 1 else None,
            changes={"centres": [c.pk for c in centres]},
        )


@staff_view()
def start(request):
    """/staff/: the day's work for centre roles, the portal for partner users; the list of
    tools for everyone else."""
    if access.has_role(request.user, *CENTRE_ROLES):
        return today(request)
    if access.has_role(request.user, Role.PARTNER_USER):
        return portal_views.portal(request)
    return views.index(request)


@staff_view(*CENTRE_ROLES)
def today(request):
    centres = _my_centres(request.user, timezone.localdate())
    if centres:
        _audit_today(request.user, centres)
    context = {
        "days": centre_days(request.user, centres),
        "today": timezone.localdate(),
        **views.index_context(request.user),
    }
    _attach_loaded_centres(context["roles"], centres)
    return render(request, "workspace/casework/today.html", context)


@staff_view(*CENTRE_ROLES)
def today_centre(request, pk):
    """One centre's day; with ?section=… (HTMX refresh) only that section."""
    access.get_own_centre(request.user, pk)
    section = request.GET.get("section", "")
    if section and section not in SECTIONS:
        raise Http404
    centre = _own_centre_with_plan(request.user, pk)
    _audit_today(request.user, [centre])
    partial = bool(section and request.headers.get("HX-Request"))
    (day,) = centre_days(request.user, [centre], [section] if partial else SECTIONS)
    context = {"days": [day], "day": day, "today": timezone.localdate()}
    template = f"today_{section}.html" if partial else "today.html"
    response = render(request, f"workspace/casework/{template}", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# Tasks by hand


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200, strip=False, label=gettext_lazy("What needs doing"))
    due = forms.DateField(label=gettext_lazy("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    assigned_to = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.centre = centre
        self.colleagues = {
            str(u.pk): u
            for u in get_user_model()
            .objects.filter(
                memberships__center=centre, memberships__role__in=CENTRE_ROLES, is_active=True
            )
            .distinct()
            .order_by("first_name", "username")
        }
        self.fields["assigned_to"].choices = [("", _("Nobody yet"))] + [
            (pk, u.get_full_name() or u.get_username()) for pk, u in self.colleagues.items()
        ]

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Write what needs doing."))
        if contains_identity_number(title):
            self.data = forget(self.data, "title")  # not written back into the page
            raise forms.ValidationError(
                _("Do not write a personal identity number in a task; link the person instead.")
            )
        return title

    def clean_due(self):
        due = self.cleaned_data["due"]
        today = timezone.localdate()
        if due < today:
            raise forms.ValidationError(_("The due date cannot be in the past."))
        if due > today + dt.timedelta(days=FURTHEST_DUE_DAYS):
            raise forms.ValidationError(_("The due date can be at most two years ahead."))
        return due

    def clean_person(self):
        pk = self.cleaned_data["person"]
        if pk is None:
            return None
        person = Person.objects.filter(pk=pk, center=self.centre).first()
        if person is None:
            raise forms.ValidationError(_("That person is not registered at this centre."))
        return person

    def clean(self):
        data = super().clean()
        chosen = self.data.get("assigned_to", "")
        if chosen and chosen not in self.colleagues:
            # A ChoiceField says "not one of the available choices"; say what is wrong.
            self.errors.pop("assigned_to", None)
            self.add_error("assigned_to", _("Choose a colleague at this centre, or nobody."))
        else:
            data["assigned_to"] = self.colleagues.get(chosen)
        return data


@staff_view(*CENTRE_ROLES)
def task_new(request, pk):
    centre = access.get_own_centre(request.user, pk)
    initial = {"due": next_working_day(timezone.localdate()), "person": request.GET.get("person")}
    form = TaskForm(request.POST or None, centre=centre, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        task = do_create_task(
            actor=request.user,
            center=centre,
            title=data["title"],
            due=data["due"],
            assigned_to=data["assigned_to"],
            person=data["person"],
        )
        if task.due != data["due"]:
            messages.info(
                request,
                _("The due date falls on a weekend; the task is due %(date)s.")
                % {"date": task.due.isoformat()},
            )
        messages.success(request, _("Task saved."))
        return redirect("workspace:task-list", centre.pk)
    context = {"form": form, "centre": centre}
    status = 400 if form.is_bound else 200
    return render(request, "workspace/casework/task_form.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def task_list(request, pk):
    centre = access.get_own_centre(request.user, pk)
    tasks = (
        FollowUpTask.objects.filter(center=centre, done_at__isnull=True)
        .select_related("assigned_to", "escalation")
        .order_by("due", "pk")
    )
    total = tasks.count()
    context = {
        "centre": centre,
        "tasks": list(tasks[:200]),
        "total": total,
        "today": timezone.localdate(),
    }
    return render(request, "workspace/casework/task_list.html", context)


def _back(request, task):
    """Where the form came from (this site only); else the centre's calendar, as before."""
    target = request.POST.get("next", "")
    # A path of this site ("-1" or a bare word would be taken for a URL name by redirect()).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workspace:calendar", args=[task.center_id])


@staff_view(*CENTRE_ROLES)
@require_POST
def task_done(request, pk):
    task = access.get_own_casework_object(request.user, FollowUpTask, pk)
    do_complete_task(actor=request.user, task=task)
    section = request.POST.get("section", "")
    centre = _own_centre_with_plan(request.user, task.center_id)
    if request.headers.get("HX-Request") and section in ("tasks", "clocks") and centre:
        (day,) = centre_days(request.user, [centre], [section])
        context = {"day": day, "today": timezone.localdate(), "done_now": task}
        response = render(request, f"workspace/casework/today_{section}.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    messages.success(request, _("Marked as done: %(title)s") % {"title": task.title})
    return redirect(_back(request, task))
