"""Centres, their catchments, schedules, services and staff directory entries."""

from django.db import transaction
from django.db.models import Count

from nara.core import audit, content_version
from nara.core.models import Area, CatchmentMembership


class CatchmentConflict(ValueError):
    def __init__(self, conflicts):
        self.conflicts = conflicts  # list of (area, other centre)
        names = ", ".join(f"{a.name} ({c.name})" for a, c in conflicts[:5])
        super().__init__(f"Already served by another centre of the same kind: {names}")


def _snapshot(obj):
    return {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname != "id"
    }


def do_create(*, actor, model, fields, m2m=None, client_address=None):
    """Create any simple domain object and audit it. m2m: {field_name: iterable of objects}."""
    with transaction.atomic():
        obj = model(**fields)
        obj.full_clean()
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        audit.record(
            actor=actor,
            action=f"{model.__name__.lower()}.create",
            obj=obj,
            changes=audit.field_changes({}, _snapshot(obj)),
            client_address=client_address,
        )
    return obj


def do_update(*, actor, obj, fields, m2m=None, client_address=None):
    with transaction.atomic():
        before = _snapshot(obj) | _m2m_snapshot(obj, m2m)
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        changes = audit.field_changes(before, _snapshot(obj) | _m2m_snapshot(obj, m2m))
        if changes:
            audit.record(
                actor=actor,
                action=f"{obj.__class__.__name__.lower()}.update",
                obj=obj,
                changes=changes,
                client_address=client_address,
            )
    return obj


def _m2m_snapshot(obj, m2m):
    return {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in m2m or {}}


def do_delete(*, actor, obj, client_address=None):
    with transaction.atomic():
        before = _snapshot(obj)
        audit.record(
            actor=actor,
            action=f"{obj.__class__.__name__.lower()}.delete",
            obj=obj,
            changes=audit.field_changes(before, {}),
            client_address=client_address,
        )
        obj.delete()


def do_set_published(*, actor, center, published, client_address=None):
    """Show (or hide) a centre on the public site. New centres start unpublished."""
    with transaction.atomic():
        old = center.is_published
        center.is_published = bool(published)
        center.save(update_fields=["is_published"])
        audit.record(
            actor=actor,
            action="center.publish" if published else "center.unpublish",
            obj=center,
            changes={"is_published": [old, center.is_published]},
            client_address=client_address,
        )
    return center


def do_set_catchment(*, actor, center, areas, client_address=None):
    """Replace a centre's catchment. Refuses areas another centre of its layer already serves."""
    layer = center.catchment_layer
    area_ids = {a.pk for a in areas}
    with transaction.atomic():
        taken = (
            CatchmentMembership.objects.select_related("area", "center")
            .filter(layer=layer, area_id__in=area_ids)
            .exclude(center=center)
        )
        conflicts = [(m.area, m.center) for m in taken]
        if conflicts:
            raise CatchmentConflict(conflicts)
        before = set(center.catchment.values_list("area__code", flat=True))
        center.catchment.exclude(area_id__in=area_ids).delete()
        existing = set(center.catchment.values_list("area_id", flat=True))
        CatchmentMembership.objects.bulk_create(
            CatchmentMembership(center=center, area_id=a, layer=layer)
            for a in sorted(area_ids - existing)
        )
        content_version.bump()  # bulk_create sends no signals
        after = set(Area.objects.filter(pk__in=area_ids).values_list("code", flat=True))
        audit.record(
            actor=actor,
            action="center.catchment",
            obj=center,
            changes={"added": sorted(after - before), "removed": sorted(before - after)},
            client_address=client_address,
        )


def catchment_coverage(municipality, layer):
    """Areas of a municipality that no centre of `layer` serves, and any served twice."""
    areas = Area.objects.filter(municipality=municipality)
    uncovered = areas.exclude(catchments__layer=layer).order_by("name")
    double = (
        areas.filter(catchments__layer=layer)
        .annotate(n=Count("catchments"))
        .filter(n__gt=1)
        .order_by("name")
    )
    return list(uncovered), list(double)
