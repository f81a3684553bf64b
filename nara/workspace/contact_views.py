"""Quick contact registration (many in a row), drop-in headcounts and support offers."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nara.core import access, audit
from nara.core.actions import contacts as actions
from nara.core.actions import offers as offer_actions
from nara.core.models import (
    AnonymousQuestion,
    Appointment,
    Area,
    CallbackRequest,
    Channel,
    Contact,
    DropInHeadcount,
    Household,
    Role,
    Service,
    SupportOffer,
)
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.topics import TOPIC_TITLES

from .contact_forms import (
    FOREIGN_NAME_FIELDS,
    SUBJECT_FIELDS,
    ContactForm,
    HeadcountForm,
    OfferAnotherForm,
    OfferAnswerForm,
    OfferEndForm,
    OfferStartForm,
)
from .decorators import staff_view
from .directory_forms import BAND_RANGES
from .forms import forget
from .journal_views import emergency_reason

CASEWORK = (Role.CENTRE_MANAGER, Role.SOCIAL_WORKER)
# Query parameters that carry over from one saved contact to the next empty form.
STICKY = ("service", "channel", "date")
ORIGINS = {
    "appointment": (Appointment, Channel.BOOKED),
    "callback": (CallbackRequest, Channel.PHONE),
    "question": (AnonymousQuestion, Channel.DIGITAL),
}


def _int(value):
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() else None


def _chosen_service(centre, data):
    """The service from the request, or the centre's only one; None when one must be chosen."""
    given = centre.services.all()
    pk = _int(data.get("service"))
    if pk is not None:
        return given.filter(pk=pk).first()
    return given.first() if given.count() == 1 else None


def _origin(request, centre, data):
    """The appointment, call-back or question the contact comes from (own centre only)."""
    found = {}
    for name, (model, _channel) in ORIGINS.items():
        pk = data.get(name)
        if pk:
            obj = access.get_casework_object(request.user, model, pk)
            if obj.center_id != centre.pk:
                raise PermissionDenied
            found[name] = obj
    return found


def _subject(request, centre, data, form):
    """A person or household the contact is about (own centre only; a person's view audited),
    where the service allows one."""
    found = {}
    pk = _int(data.get("person")) if "person" in form.fields else None
    if pk is not None:
        person = access.view_person(request.user, pk)
        if person.center_id != centre.pk:
            raise PermissionDenied
        found["person"] = person
    pk = _int(data.get("household")) if "household" in form.fields else None
    if pk is not None:
        household = access.get_casework_object(request.user, Household, pk)
        if household.center_id != centre.pk:
            raise PermissionDenied
        found["household"] = household
    return found


def _initial(request, origin, subject):
    initial = {"channel": request.GET.get("channel") or Channel.DROP_IN}
    day = request.GET.get("date", "")
    if day:
        initial["occurred_on"] = day
    for name, obj in origin.items():
        initial[name] = obj.pk
        initial["channel"] = ORIGINS[name][1]
    if "appointment" in origin:
        appointment = origin["appointment"]
        initial["occurred_on"] = timezone.localtime(appointment.slot.starts_at).date()
        if appointment.topic in TOPIC_TITLES:
            initial["topics"] = [appointment.topic]
    if "question" in origin and origin["question"].topic in TOPIC_TITLES:
        initial["topics"] = [origin["question"].topic]
    for name, obj in subject.items():
        initial[name] = obj.pk
    return initial


def _crafted_refusal(form, post):
    """Why a POST carrying identifying fields the service does not allow is refused."""
    sent = lambda name: bool(str(post.get(name, "")).strip())  # noqa: E731
    hidden = [n for n in SUBJECT_FIELDS if n not in form.fields and sent(n)]
    foreign = [n for n in FOREIGN_NAME_FIELDS if sent(n)]
    if hidden or (foreign and not form.fields.keys() & SUBJECT_FIELDS.keys()):
        return actions.level_refusal(form.service)
    if foreign:
        return _("Names and identity numbers are not recorded in this form. Nothing was saved.")
    return None


@staff_view(*CASEWORK)
def contact_new(request, pk):
    centre = access.get_own_centre(request.user, pk)
    data = request.POST if request.method == "POST" else request.GET
    service = _chosen_service(centre, data)
    if service is None:
        if request.method == "POST":
            messages.error(request, _("Choose a service this centre gives. Nothing was saved."))
        return _service_choice(request, centre, status=400 if request.method == "POST" else 200)
    origin = _origin(request, centre, data)
    if request.method != "POST":
        form = ContactForm(centre=centre, service=service)
        subject = _subject(request, centre, data, form)
        form.initial = _initial(request, origin, subject)
        return _render_form(request, centre, service, form, origin, subject)
    form = ContactForm(request.POST, centre=centre, service=service)
    refusal = _crafted_refusal(form, request.POST)
    if refusal:
        # Checked before anything named in the request is looked up: nothing is read or saved.
        form.is_valid()
        form.add_error(None, refusal)
        return _render_form(request, centre, service, form, origin, {})
    subject = _subject(request, centre, data, form)
    if form.is_valid():
        saved = _save_contact(request, centre, service, form, origin, subject)
        if saved is not None:
            return redirect(_next_form_url(centre, saved))
    return _render_form(request, centre, service, form, origin, subject)


def _save_contact(request, centre, service, form, origin, subject):
    data = form.cleaned_data
    if service.documentation_level == Service.DocumentationLevel.COUNTS_ONLY:
        # The origin only prefilled the form: a counts-only contact is not linked to a booking,
        # call-back or question (they carry a name, phone or e-mail). The form says so.
        origin = {}
    area_pk, outside = form.area_value()
    offer_pk = _int(data.get("offer_service"))
    try:
        contact = actions.do_register_contact(
            actor=request.user,
            center=centre,
            service=service,
            channel=data["channel"],
            occurred_on=data["occurred_on"],
            duration_minutes=data.get("duration_minutes"),
            topics=data.get("topics") or [],
            age_band=data["age_band"],
            gender=data["gender"],
            area=Area.objects.filter(pk=area_pk).first() if area_pk else None,
            area_outside=outside,
            language=data.get("language") or "",
            interpreter_used=data.get("interpreter_used", False),
            previously_known=data["previously_known"],
            first_contact=data.get("first_contact", False),
            note=data.get("note", ""),
            alias_name=data.get("alias_name", ""),
            generate_alias=data.get("generate_alias", False),
            offer_service=Service.objects.filter(pk=offer_pk).first() if offer_pk else None,
            offer_answer=data.get("offer_answer") or SupportOffer.Answer.NO_ANSWER,
            **origin,
            **subject,
        )
    except actions.ContactRefused as refused:
        if refused.field in ("alias_name", "note"):  # it may hold a number: not echoed
            form.data = forget(form.data, refused.field)
        field = refused.field if refused.field in form.fields else None
        form.add_error(field, refused.message)
        return None
    count = actions.contacts_on(centre, contact.occurred_on)
    text = _("Saved. %(count)d contacts recorded on %(date)s.") % {
        "count": count,
        "date": contact.occurred_on.isoformat(),
    }
    if contact.alias_id:
        text += " " + _("Alias: %(alias)s.") % {"alias": contact.alias.name}
    messages.success(request, text)
    return contact


def _next_form_url(centre, contact):
    """The same page, empty again, keeping the service, channel and date of the evening."""
    params = {
        "service": contact.service_id,
        "channel": contact.channel,
        "date": contact.occurred_on.isoformat(),
    }
    return f"/staff/centres/{centre.pk}/contacts/new/?{urlencode(params)}"


def _render_form(request, centre, service, form, origin, subject):
    day = form.initial.get("occurred_on") or timezone.localdate()
    if form.is_bound:
        day = getattr(form, "cleaned_data", {}).get("occurred_on") or timezone.localdate()
    day = _as_date(day)
    channel = form["channel"].value()
    context = {
        "centre": centre,
        "service": service,
        "form": form,
        "origin": origin,
        "subject": subject,
        "day": day,
        "count": actions.contacts_on(centre, day),
        "dropin": channel == Channel.DROP_IN,
        "headcount": DropInHeadcount.objects.filter(center=centre, date=day).first(),
        "headcount_form": HeadcountForm(initial={"date": day}),
        "change_service": urlencode(
            {**{k: v for k, v in request.GET.items() if k != "service"}, "service": ""}
        ),
        "other_services": centre.services.count() > 1,
        "households": _household_choice(centre, service, origin, subject),
        "partner_search": partner_search_query(
            form["topics"].value(), form["age_band"].value(), form["language"].value()
        ),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "workspace/casework/contact_form.html", context, status=status)


def _household_choice(centre, service, origin, subject):
    """The centre's households, when a booked visit on a full-documentation service is not yet
    about anyone: the worker chooses the household here (a person: from the person's page)."""
    if subject or "appointment" not in origin:
        return []
    if service.documentation_level != Service.DocumentationLevel.FULL:
        return []
    return list(Household.objects.filter(center=centre).order_by("name")[:500])


def partner_search_query(topics, age_band, language):
    """The directory search for what is known of a contact: its topics, age group, language
    (only values the directory knows; the rest is left out)."""
    topics = topics if isinstance(topics, list | tuple) else [topics] if topics else []
    params = [("topic", t) for t in topics if t in TOPIC_TITLES]
    if age_band in BAND_RANGES:
        params.append(("band", age_band))
    if language in SPOKEN_LANGUAGES:
        params.append(("language", language))
    return urlencode(params)


def _as_date(value):
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return timezone.localdate()


def _service_choice(request, centre, status=200):
    keep = {k: v for k, v in request.GET.items() if k != "service"}
    context = {
        "centre": centre,
        "services": centre.services.order_by("topic", "slug"),
        "keep": urlencode(keep),
    }
    return render(request, "workspace/casework/contact_service.html", context, status=status)


@staff_view(*CASEWORK)
@require_POST
def headcount(request, pk):
    centre = access.get_own_centre(request.user, pk)
    form = HeadcountForm(request.POST)
    back = f"/staff/centres/{centre.pk}/contacts/new/?" + urlencode(
        {k: request.POST[k] for k in STICKY if request.POST.get(k)}
    )
    if not form.is_valid():
        messages.error(request, _("Write a date and a number of visitors. Nothing was saved."))
        return redirect(back)
    try:
        actions.do_record_headcount(
            actor=request.user,
            center=centre,
            date=form.cleaned_data["date"],
            count=form.cleaned_data["count"],
        )
    except actions.ContactRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Headcount saved."))
    return redirect(back)


def _audit_read(user, obj, action, reason=""):
    with transaction.atomic():
        audit.record(
            actor=user,
            action=action,
            obj=obj,
            reason=reason,
            person_id=getattr(obj, "person_id", None),
            flags=access.casework_flags(user, obj),
        )


@staff_view(*CASEWORK)
def contact_detail(request, pk):
    contact = access.get_casework_object(request.user, Contact, pk)
    reason, asking = emergency_reason(request, contact)
    if asking is not None:
        return asking
    _audit_read(request.user, contact, "contact.view", reason)
    return _contact_page(request, contact)


def _contact_page(request, contact, offer_form=None, status=200):
    own = contact.center_id in access.centre_ids(request.user)  # emergency access only reads
    context = {
        "contact": contact,
        "topics": [TOPIC_TITLES[t] for t in contact.topics if t in TOPIC_TITLES],
        "offers": contact.offers.select_related("service").order_by("pk"),
        "offer_form": (offer_form or OfferAnotherForm(centre=contact.center)) if own else None,
        "partner_search": partner_search_query(contact.topics, contact.age_band, contact.language),
    }
    return render(request, "workspace/casework/contact_detail.html", context, status=status)


@staff_view(*CASEWORK)
@require_POST
def contact_offer(request, pk):
    """Offer another service in a saved contact (the contact's page shows the form)."""
    contact = access.get_own_casework_object(request.user, Contact, pk)
    form = OfferAnotherForm(request.POST, centre=contact.center)
    if form.is_valid():
        service = contact.center.services.get(pk=int(form.cleaned_data["service"]))
        try:
            offer_actions.do_offer_another(
                actor=request.user,
                contact=contact,
                service=service,
                answer=form.cleaned_data["answer"],
            )
        except actions.ContactRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The offer is saved."))
            return redirect("workspace:contact", contact.pk)
    _audit_read(request.user, contact, "contact.view")
    return _contact_page(request, contact, form, status=400)


@staff_view(*CASEWORK)
def centre_offers(request, pk):
    centre = access.get_own_centre(request.user, pk)
    offers = SupportOffer.objects.filter(center=centre)
    waiting = (
        offers.filter(ended_on__isnull=True)
        .exclude(answer=SupportOffer.Answer.DECLINED)
        .select_related("service", "alias")
        .order_by("offered_on", "pk")[:200]
    )
    context = {"centre": centre, "waiting": waiting, "funnel": offer_actions.offer_funnel(offers)}
    return render(request, "workspace/casework/offer_list.html", context)


OFFER_STEPS = {
    "answer": (OfferAnswerForm, offer_actions.do_answer_offer),
    "start": (OfferStartForm, offer_actions.do_start_offer),
    "end": (OfferEndForm, offer_actions.do_end_offer),
}


@staff_view(*CASEWORK)
def offer_detail(request, pk):
    offer = access.get_casework_object(request.user, SupportOffer, pk)
    if request.method == "POST" and "step" in request.POST:
        access.get_own_casework_object(request.user, SupportOffer, pk)  # emergency access reads
    reason, asking = emergency_reason(request, offer)
    if asking is not None:
        return asking
    today = timezone.localdate()
    forms = {
        "answer": OfferAnswerForm(initial={"answer": offer.answer, "answered_on": today}),
        "start": OfferStartForm(initial={"started_on": today}),
        "end": OfferEndForm(initial={"ended_on": today}),
    }
    step = request.POST.get("step")
    if request.method == "POST" and step in OFFER_STEPS:
        form_class, action = OFFER_STEPS[step]
        form = forms[step] = form_class(request.POST, prefix=None)
        if form.is_valid():
            try:
                action(actor=request.user, offer=offer, **form.cleaned_data)
            except actions.ContactRefused as refused:
                # Shown above the forms: the section it belongs to may be closed by now.
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("workspace:offer", offer.pk)
    elif request.method == "POST" and not reason:
        return redirect("workspace:offer", offer.pk)
    if offer.person_id:
        _audit_read(request.user, offer, "offer.view", reason)
    can_write = offer.center_id in access.centre_ids(request.user)  # emergency access reads
    context = {"offer": offer, "forms": forms if can_write else {}, "can_write": can_write}
    status = 400 if any(f.is_bound and f.errors for f in forms.values()) else 200
    return render(request, "workspace/casework/offer_detail.html", context, status=status)
