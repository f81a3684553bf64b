"""Administration pages: centres, catchments, hours, drop-in, exceptions, directory, services,
areas. Objects come from the access helpers; changes go through audited actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions.centers import (
    CatchmentConflict,
    catchment_coverage,
    do_create,
    do_delete,
    do_set_catchment,
    do_set_published,
    do_update,
)
from nara.core.models import (
    Area,
    CatchmentMembership,
    Municipality,
    Role,
    Schedule,
    Service,
    StaffMember,
)

from . import admin_forms as forms
from .decorators import staff_view

CENTRE_STAFF = (Role.ADMINISTRATOR, Role.CENTRE_MANAGER, Role.SOCIAL_WORKER)


def _save(request, form, *, instance=None, extra=None, m2m_names=()):
    """Create or update from a valid ModelForm through the audited actions.

    Returns None, with the reason on the form, when the model refuses what the form let by
    (a rule only the whole object can check, such as one exception per centre and day).
    """
    data = {n: form.cleaned_data[n] for n in form.fields if n in form.Meta.fields}
    data = {n: v for n, v in data.items() if n not in m2m_names}
    data.update(extra or {})
    m2m = {n: form.cleaned_data[n] for n in m2m_names}
    try:
        if instance is None:
            obj = do_create(actor=request.user, model=form.Meta.model, fields=data, m2m=m2m)
        else:
            obj = do_update(actor=request.user, obj=instance, fields=data, m2m=m2m)
    except ValidationError as error:
        if instance is not None:
            instance.refresh_from_db()
        form.add_error(None, error)
        return None
    messages.success(request, _("Saved."))
    return obj


def _form_page(request, form, title, back):
    status = 400 if form.is_bound else 200
    context = {"form": form, "title": title, "back": back}
    return render(request, "workspace/form.html", context, status=status)


@staff_view(*CENTRE_STAFF)
def centre_list(request):
    centres = access.visible_centres(request.user)
    manageable = set(access.manageable_centres(request.user).values_list("pk", flat=True))
    context = {
        "centres": centres,
        "manageable": manageable,
        "can_create": access.is_admin(request.user),
    }
    return render(request, "workspace/centre_list.html", context)


@staff_view(*CENTRE_STAFF)
def centre_detail(request, pk):
    centre = access.get_centre(request.user, pk)
    can_manage = access.manageable_centres(request.user).filter(pk=pk).exists()
    context = {
        "centre": centre,
        "can_manage": can_manage,
        "is_admin": access.is_admin(request.user),
        "schedules": centre.schedules.all(),
        "exceptions": centre.exceptions.all(),
        "directory": centre.staff.all(),
        "services": centre.services.all(),
        "catchment": Area.objects.filter(catchments__center=centre),
    }
    return render(request, "workspace/centre_detail.html", context)


@staff_view(Role.ADMINISTRATOR)
def centre_create(request):
    form = forms.CenterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        municipality = Municipality.objects.order_by("id").first()
        centre = _save(request, form, extra={"municipality": municipality})
        if centre is not None:
            return redirect("workspace:centre", centre.pk)
    return _form_page(request, form, _("New centre"), "workspace:centres")


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def centre_edit(request, pk):
    centre = access.get_centre(request.user, pk, manage=True)
    form = forms.CenterForm(request.POST or None, instance=centre)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, instance=centre)
        if saved is not None:
            return redirect("workspace:centre", centre.pk)
    return _form_page(request, form, centre.name, "workspace:centres")


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
@require_POST
def centre_publish(request, pk):
    """Show or hide a centre on the public site; a new centre starts hidden."""
    centre = access.get_centre(request.user, pk, manage=True)
    published = request.POST.get("published") == "1"
    do_set_published(actor=request.user, center=centre, published=published)
    if published:
        messages.success(request, _("The centre is now shown on the public site."))
    else:
        messages.success(request, _("The centre is no longer shown on the public site."))
    return redirect("workspace:centre", centre.pk)


@staff_view(Role.ADMINISTRATOR)
def centre_catchment(request, pk):
    centre = access.get_centre(request.user, pk, manage=True)
    initial = {"areas": Area.objects.filter(catchments__center=centre)}
    form = forms.CatchmentForm(request.POST or None, center=centre, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_set_catchment(actor=request.user, center=centre, areas=form.cleaned_data["areas"])
        except CatchmentConflict as conflict:
            names = ", ".join(f"{a.name} ({c.name})" for a, c in conflict.conflicts)
            form.add_error("areas", _("Already served by another centre: %s") % names)
        else:
            messages.success(request, _("Saved."))
            return redirect("workspace:centre", centre.pk)
    return _form_page(request, form, _("Catchment of %s") % centre.name, "workspace:centres")


@staff_view(Role.ADMINISTRATOR, Role.ANALYST)
def coverage(request):
    municipality = Municipality.objects.order_by("id").first()
    layers = []
    for layer, label in CatchmentMembership.Layer.choices:
        uncovered, double = catchment_coverage(municipality, layer) if municipality else ([], [])
        layers.append({"label": label, "uncovered": uncovered, "double": double})
    return render(request, "workspace/coverage.html", {"layers": layers})


def _centre_child_views(model, form_class, label):
    """New/edit/delete views for objects that belong to one centre."""

    @staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
    def create(request, pk):
        centre = access.get_centre(request.user, pk, manage=True)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            saved = _save(request, form, extra={"center": centre})
            if saved is not None:
                return redirect("workspace:centre", centre.pk)
        return _form_page(request, form, f"{label} – {centre.name}", "workspace:centres")

    @staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
    def edit(request, pk):
        obj = access.get_centre_object(request.user, model, pk, manage=True)
        form = form_class(request.POST or None, instance=obj)
        if request.method == "POST" and form.is_valid():
            saved = _save(request, form, instance=obj)
            if saved is not None:
                return redirect("workspace:centre", obj.center_id)
        return _form_page(request, form, label, "workspace:centres")

    @staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
    @require_POST
    def delete(request, pk):
        obj = access.get_centre_object(request.user, model, pk, manage=True)
        centre_id = obj.center_id
        do_delete(actor=request.user, obj=obj)
        messages.success(request, _("Removed."))
        return redirect("workspace:centre", centre_id)

    return create, edit, delete


schedule_create, schedule_edit, schedule_delete = _centre_child_views(
    Schedule, forms.ScheduleForm, _("Opening hours and drop-in")
)
# Exceptions have their own views (closing_views.py): closing a day touches its bookings.


def _directory_entry(user, pk):
    entry = get_object_or_404(StaffMember, pk=pk)
    manageable = access.manageable_centres(user)
    if not manageable.filter(pk__in=entry.centers.values("pk")).exists():
        access.require_admin(user)
    return entry


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def directory_create(request, pk):
    centre = access.get_centre(request.user, pk, manage=True)
    form = forms.DirectoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = _save(request, form)
        if entry is not None:
            entry.centers.add(centre)
            return redirect("workspace:centre", centre.pk)
    return _form_page(request, form, _("Staff directory"), "workspace:centres")


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def directory_edit(request, pk):
    entry = _directory_entry(request.user, pk)
    form = forms.DirectoryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, instance=entry)
        if saved is not None:
            return redirect("workspace:centres")
    return _form_page(request, form, _("Staff directory"), "workspace:centres")


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
@require_POST
def directory_delete(request, pk):
    entry = _directory_entry(request.user, pk)
    do_delete(actor=request.user, obj=entry)
    messages.success(request, _("Removed."))
    return redirect("workspace:centres")


@staff_view()
def service_list(request):
    services = Service.objects.prefetch_related("centers")
    context = {"services": services, "can_edit": access.is_admin(request.user)}
    return render(request, "workspace/service_list.html", context)


@staff_view(Role.ADMINISTRATOR)
def service_edit(request, pk=None):
    service = get_object_or_404(Service, pk=pk) if pk else None
    form = forms.ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        municipality = Municipality.objects.order_by("id").first()
        extra = {} if service else {"municipality": municipality}
        saved = _save(request, form, instance=service, extra=extra, m2m_names=("centers",))
        if saved is not None:
            return redirect("workspace:services")
    title = str(service.name) if service else _("New service")
    return _form_page(request, form, title, "workspace:services")


@staff_view(Role.ADMINISTRATOR, Role.ANALYST)
def area_list(request):
    areas = Area.objects.select_related("municipality")
    context = {"areas": areas, "can_edit": access.is_admin(request.user)}
    return render(request, "workspace/area_list.html", context)


@staff_view(Role.ADMINISTRATOR)
def area_edit(request, pk):
    area = get_object_or_404(Area, pk=pk)
    form = forms.AreaForm(request.POST or None, instance=area)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, instance=area)
        if saved is not None:
            return redirect("workspace:areas")
    return _form_page(request, form, area.name, "workspace:areas")
