"""Planning writes: scenarios and candidate sites. Keyword-only, one transaction, audited."""

from django.db import transaction

from nara.core import audit

from .models import CandidateSite, Scenario


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
