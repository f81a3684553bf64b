"""The directory of partners and their services (samverkansparter): search by topic, age and
language; partners, services, opening hours and capacity kept by administrators and centre
managers; the administrator's list of legal bases for sharing without consent.

The directory holds no personal data: centre staff, analysts and administrators read it.
Objects come from the access helpers; changes go through nara.core.actions.directory.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions import directory as actions
from nara.core.models import LegalBasis, PartnerService, Role
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.topics import TOPIC_TITLES

from . import directory_forms as forms
from .decorators import staff_view
from .words import describe_rule

READERS = access.DIRECTORY_READERS
EDITORS = access.DIRECTORY_EDITORS
CONFIRMERS = (Role.ADMINISTRATOR, Role.CENTRE_MANAGER, Role.SOCIAL_WORKER)


# ----- reading -------------------------------------------------------------------------------


def _card(service, today):
    """What the directory shows of one service, in people words."""
    return {
        "service": service,
        "partner": service.partner,
        "topics": [TOPIC_TITLES[t] for t in service.topics if t in TOPIC_TITLES],
        "languages": [str(SPOKEN_LANGUAGES[c]) for c in service.languages if c in SPOKEN_LANGUAGES],
        "hours": [
            {"rule": describe_rule(h), "note": h.description, "pk": h.pk}
            for h in service.schedules.all()
        ],
        "stale": actions.capacity_is_stale(service, today),
    }


def _matches(service, form):
    data = form.cleaned_data
    topics = set(data.get("topic") or [])
    if topics and not topics & set(service.topics):
        return False
    language = data.get("language")
    if language and language not in service.languages:
        return False
    wanted = form.age_range()
    if wanted:
        low, high = wanted
        if service.age_min is not None and high < service.age_min:
            return False
        if service.age_max is not None and low > service.age_max:
            return False
    words = (data.get("q") or "").lower()
    if words:
        text = " ".join(
            [service.name, service.description, service.target_group, service.partner.name]
        ).lower()
        if not all(word in text for word in words.split()):
            return False
    return not (data.get("taking") and service.capacity == "not_taking")


@staff_view(*READERS)
def partner_directory(request):
    """Search the partners' services. A GET form: works without JavaScript, links can be
    shared and prefilled (the contact form opens it with the contact's topics)."""
    form = forms.DirectorySearchForm(request.GET or None)
    services = (
        PartnerService.objects.filter(
            partner__in=access.visible_partners(request.user), active=True, partner__active=True
        )
        .select_related("partner")
        .prefetch_related("schedules")
        .order_by("name", "partner__name")
    )
    today = timezone.localdate()
    if form.is_bound and not form.is_valid():
        cards, status = [], 400
    else:
        if form.is_bound:
            services = [s for s in services if _matches(s, form)]
        cards, status = [_card(s, today) for s in services], 200
    context = {
        "form": form,
        "cards": cards,
        "searched": form.is_bound,
        "can_edit": access.can_edit_directory(request.user),
        "partners": access.visible_partners(request.user).order_by("name"),
        "is_admin": access.is_admin(request.user),
        "stale_days": actions.CAPACITY_STALE_DAYS,
    }
    return render(request, "workspace/directory/search.html", context, status=status)


@staff_view(*READERS)
def partner_detail(request, pk):
    partner = access.get_partner(request.user, pk)
    can_edit = access.can_edit_directory(request.user)
    services = partner.services.prefetch_related("schedules").order_by("-active", "name")
    if not can_edit:
        services = services.filter(active=True)
    today = timezone.localdate()
    context = {
        "partner": partner,
        "cards": [_card(s, today) for s in services],
        "can_edit": can_edit,
        "can_confirm": access.has_role(request.user, *CONFIRMERS),
        "stale_days": actions.CAPACITY_STALE_DAYS,
    }
    return render(request, "workspace/directory/partner.html", context)


# ----- writing -------------------------------------------------------------------------------


def _form_page(request, form, title, back_url, *, intro=""):
    status = 400 if form.is_bound else 200
    context = {"form": form, "title": title, "back_url": back_url, "intro": intro}
    return render(request, "workspace/directory/form.html", context, status=status)


def _call(form, action, **kwargs):
    """Run an action; its refusal goes on the form (on the field it names). None if refused."""
    try:
        return action(**kwargs)
    except actions.DirectoryRefused as refused:
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        return None


def _fresh(obj):
    """The object as stored: a valid ModelForm has already written its values onto its
    instance, and the action must see what changed to audit it."""
    return type(obj).objects.get(pk=obj.pk)


def _fields(form):
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@staff_view(*EDITORS)
def partner_create(request):
    form = forms.PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partner = _call(
            form,
            actions.do_create_partner,
            actor=request.user,
            municipality=access.home_municipality(request.user),
            fields=_fields(form),
        )
        if partner is not None:
            messages.success(request, _("Saved."))
            return redirect("workspace:partner", partner.pk)
    return _form_page(request, form, _("New partner"), reverse("workspace:partners"))


@staff_view(*EDITORS)
def partner_edit(request, pk):
    partner = access.get_partner(request.user, pk, manage=True)
    form = forms.PartnerForm(request.POST or None, instance=partner)
    back = reverse("workspace:partner", args=[partner.pk])
    if request.method == "POST" and form.is_valid():
        saved = _call(
            form,
            actions.do_update_partner,
            actor=request.user,
            partner=_fresh(partner),
            fields=_fields(form),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(back)
        partner.refresh_from_db()
    return _form_page(request, form, partner.name, back)


@staff_view(*EDITORS)
def service_create(request, pk):
    partner = access.get_partner(request.user, pk, manage=True)
    form = forms.PartnerServiceForm(request.POST or None)
    back = reverse("workspace:partner", args=[partner.pk])
    if request.method == "POST" and form.is_valid():
        service = _call(
            form,
            actions.do_create_partner_service,
            actor=request.user,
            partner=partner,
            fields=_fields(form),
        )
        if service is not None:
            messages.success(request, _("Saved. Add the service's opening hours below."))
            return redirect("workspace:partner-service", service.pk)
    title = _("New service – %(partner)s") % {"partner": partner.name}
    return _form_page(request, form, title, back)


@staff_view(*EDITORS)
def service_edit(request, pk):
    service = access.get_partner_service(request.user, pk, manage=True)
    form = forms.PartnerServiceForm(request.POST or None, instance=service)
    back = reverse("workspace:partner", args=[service.partner_id])
    if request.method == "POST" and form.is_valid():
        saved = _call(
            form,
            actions.do_update_partner_service,
            actor=request.user,
            service=_fresh(service),
            fields=_fields(form),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(back)
        service.refresh_from_db()
    context = {
        "form": form,
        "title": f"{service.name} – {service.partner.name}",
        "back_url": back,
        "service": service,
        "hours": [
            {"rule": describe_rule(h), "note": h.description, "pk": h.pk}
            for h in service.schedules.all()
        ],
    }
    status = 400 if form.is_bound else 200
    return render(request, "workspace/directory/service_form.html", context, status=status)


@staff_view(*CONFIRMERS)
def service_capacity(request, pk):
    """Confirm whether a service takes referrals now: after a call to the partner, say."""
    service = access.get_partner_service(request.user, pk)
    if not access.may_confirm_capacity(request.user, service):
        raise PermissionDenied
    initial = {"capacity": service.capacity, "confirmed_on": timezone.localdate()}
    form = forms.CapacityForm(request.POST or None, initial=initial)
    back = reverse("workspace:partner", args=[service.partner_id])
    if request.method == "POST" and form.is_valid():
        saved = _call(
            form,
            actions.do_confirm_capacity,
            actor=request.user,
            service=service,
            capacity=form.cleaned_data["capacity"],
            confirmed_on=form.cleaned_data["confirmed_on"],
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(back)
    title = _("Takes referrals? – %(service)s") % {"service": service.name}
    intro = _("Say what the partner told you, and when.")
    return _form_page(request, form, title, back, intro=intro)


@staff_view(*EDITORS)
def hours_create(request, pk):
    service = access.get_partner_service(request.user, pk, manage=True)
    form = forms.PartnerHoursForm(request.POST or None)
    back = reverse("workspace:partner-service", args=[service.pk])
    if request.method == "POST" and form.is_valid():
        hours = _call(
            form,
            actions.do_add_service_hours,
            actor=request.user,
            service=service,
            fields=_fields(form),
        )
        if hours is not None:
            messages.success(request, _("Saved."))
            return redirect(back)
    title = _("Opening hours – %(service)s") % {"service": service.name}
    return _form_page(request, form, title, back)


@staff_view(*EDITORS)
def hours_edit(request, pk):
    hours = access.get_partner_hours(request.user, pk)
    form = forms.PartnerHoursForm(request.POST or None, instance=hours)
    back = reverse("workspace:partner-service", args=[hours.service_id])
    if request.method == "POST" and form.is_valid():
        saved = _call(
            form,
            actions.do_update_service_hours,
            actor=request.user,
            hours=_fresh(hours),
            fields=_fields(form),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(back)
        hours.refresh_from_db()
    title = _("Opening hours – %(service)s") % {"service": hours.service.name}
    return _form_page(request, form, title, back)


@staff_view(*EDITORS)
@require_POST
def hours_delete(request, pk):
    hours = access.get_partner_hours(request.user, pk)
    service_id = hours.service_id
    actions.do_remove_service_hours(actor=request.user, hours=hours)
    messages.success(request, _("Removed."))
    return redirect("workspace:partner-service", service_id)


# ----- legal bases (administrator only) -----------------------------------------------------


@staff_view(Role.ADMINISTRATOR)
def legal_bases(request):
    bases = LegalBasis.objects.filter(
        municipality_id__in=access.directory_municipality_ids(request.user)
    ).order_by("-active", "name")
    return render(request, "workspace/directory/legal_bases.html", {"bases": bases})


@staff_view(Role.ADMINISTRATOR)
def legal_basis_create(request):
    form = forms.LegalBasisForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        basis = _call(
            form,
            actions.do_create_legal_basis,
            actor=request.user,
            municipality=access.home_municipality(request.user),
            fields=_fields(form),
        )
        if basis is not None:
            messages.success(request, _("Saved."))
            return redirect("workspace:legal-bases")
    return _form_page(
        request, form, _("New legal basis for sharing"), reverse("workspace:legal-bases")
    )


@staff_view(Role.ADMINISTRATOR)
def legal_basis_edit(request, pk):
    basis = access.get_legal_basis(request.user, pk)
    form = forms.LegalBasisForm(request.POST or None, instance=basis)
    if request.method == "POST" and form.is_valid():
        saved = _call(
            form,
            actions.do_update_legal_basis,
            actor=request.user,
            basis=_fresh(basis),
            fields=_fields(form),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("workspace:legal-bases")
        basis.refresh_from_db()
    intro = _(
        "Untick “active” to stop offering it for new referrals; referrals that used it keep it."
    )
    return _form_page(request, form, basis.name, reverse("workspace:legal-bases"), intro=intro)
