"""Planning writes: scenarios, candidate sites, applying a scenario.

Keyword-only, one transaction, audited.
"""

from django.db import transaction
from django.utils.text import slugify

from nara.core import audit, content_version
from nara.core.models import Area, CatchmentMembership, Center
from nara.core.models.centers import new_centre_code

from .apply import preview
from .models import CandidateSite, CatchmentSnapshot, Scenario


def do_create_scenario(
    *, actor, municipality, name, model, parameters, results, client_address=None
):
    with transaction.atomic():
        scenario = Scenario.objects.create(
            municipality=municipality,
            name=name,
            model=model,
            parameters=parameters,
            results=results,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="scenario.create",
            obj=scenario,
            changes={
                "name": [None, name],
                "model": [None, model],
                "status": [None, results.get("status")],
            },
            client_address=client_address,
        )
    return scenario


def do_delete_scenario(*, actor, scenario, client_address=None):
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="scenario.delete",
            obj=scenario,
            changes={"name": [scenario.name, None], "model": [scenario.model, None]},
            client_address=client_address,
        )
        scenario.delete()


def do_import_candidate_sites(
    *, actor, municipality, rows, source="", replace=False, client_address=None
):
    """Save parsed SiteRows (see sites_import.parse_candidates). All or nothing."""
    with transaction.atomic():
        removed = 0
        if replace:
            removed, _by_model = CandidateSite.objects.filter(municipality=municipality).delete()
        CandidateSite.objects.bulk_create(
            CandidateSite(
                municipality=municipality,
                name=row.name,
                kind=row.kind,
                lon=row.lon,
                lat=row.lat,
                source=source[:200],
            )
            for row in rows
        )
        audit.record(
            actor=actor,
            action="candidate_sites.import",
            obj=municipality,
            changes={"created": len(rows), "removed": removed, "source": source},
            client_address=client_address,
        )
    return len(rows)


def do_apply_scenario(*, actor, scenario, kind, client_address=None):
    """Make the scenario's sites centres (or bases) of ``kind`` and its catchments their layer.

    New centres are created unpublished; the layer's previous catchments are kept as a
    CatchmentSnapshot. One transaction, one audit entry. Returns (preview, snapshot).
    """
    with transaction.atomic():
        plan = preview(scenario, kind)
        municipality = scenario.municipality
        memberships = CatchmentMembership.objects.select_related("area", "center").filter(
            layer=plan.layer, area__municipality=municipality
        )
        snapshot = CatchmentSnapshot.objects.create(
            municipality=municipality,
            layer=plan.layer,
            memberships={
                m.area.code: {"centre": m.center.code, "name": m.center.name} for m in memberships
            },
            replaced_by=scenario,
            scenario_name=scenario.name,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        created = [_new_centre(municipality, target, kind) for target in plan.new_targets]
        memberships.delete()
        areas = dict(Area.objects.filter(municipality=municipality).values_list("code", "pk"))
        CatchmentMembership.objects.bulk_create(
            CatchmentMembership(center=target.centre, area_id=areas[code], layer=plan.layer)
            for target in plan.targets
            for code in target.area_codes
        )
        content_version.bump()  # bulk writes send no signals
        audit.record(
            actor=actor,
            action="scenario.apply",
            obj=scenario,
            changes={
                "kind": kind,
                "layer": plan.layer,
                "new_centres": [c.code for c in created],
                "centres": [t.centre.code for t in plan.targets],
                "moved_areas": [m.area.code for m in plan.moves],
                "history": snapshot.pk,
            },
            client_address=client_address,
        )
    return plan, snapshot


def _new_centre(municipality, target, kind):
    """An unpublished centre at the site; its address is filled in before publishing."""
    code = new_centre_code()
    centre = Center.objects.create(
        municipality=municipality,
        slug=f"{slugify(target.name)[:40] or kind}-{code[2:]}",
        code=code,
        name=target.name[:120],
        kind=kind,
        neutral_display_name=target.name[:60],
        street_address="",
        postal_code="",
        city=municipality.name[:60],
        lon=target.lon,
        lat=target.lat,
        is_published=False,
    )
    target.centre = centre
    return centre
