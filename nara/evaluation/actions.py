"""Evaluation writes: importing outcome series, saving an evaluation. Keyword-only, one
transaction, audited."""

from django.db import transaction

from nara.core import audit

from .models import Evaluation, EvaluationArea, ImportBatch, OutcomeValue


def do_import_outcomes(*, actor, municipality, rows, file_name, client_address=None):
    """Save parsed OutcomeRows (imports.parse_outcomes); a value already there for the same
    area, month and measure is replaced. All or nothing. Returns the batch."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            municipality=municipality,
            file_name=file_name[:200],
            rows=len(rows),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        existing = {
            (v.area_id, v.month, v.measure, v.other_name): v
            for v in OutcomeValue.objects.select_for_update().filter(
                area__municipality=municipality,
                measure__in={r.measure for r in rows},
                month__in={r.month for r in rows},
            )
        }
        new, changed = [], []
        for row in rows:
            found = existing.get((row.area_id, row.month, row.measure, row.other_name))
            if found is None:
                new.append(
                    OutcomeValue(
                        area_id=row.area_id,
                        month=row.month,
                        measure=row.measure,
                        other_name=row.other_name,
                        value=row.value,
                        batch=batch,
                    )
                )
            else:
                found.value, found.batch = row.value, batch
                changed.append(found)
        OutcomeValue.objects.bulk_create(new, batch_size=2000)
        OutcomeValue.objects.bulk_update(changed, ["value", "batch"], batch_size=2000)
        batch.replaced = len(changed)
        batch.save(update_fields=["replaced"])
        audit.record(
            actor=actor,
            action="outcomes.import",
            obj=batch,
            changes={
                "file": [None, batch.file_name],
                "rows": [None, len(rows)],
                "created": [None, len(new)],
                "replaced": [None, len(changed)],
            },
            client_address=client_address,
        )
    return batch


def do_create_evaluation(
    *,
    actor,
    municipality,
    name,
    outcome,
    matching,
    period_start,
    period_end,
    treated,
    comparison,
    centres,
    result,
    client_address=None,
):
    """Save an evaluation: ``treated`` {area: opening date}, ``comparison`` [areas]."""
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            municipality=municipality,
            name=name,
            outcome=outcome,
            matching=matching,
            period_start=period_start,
            period_end=period_end,
            result=result,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        EvaluationArea.objects.bulk_create(
            [
                EvaluationArea(evaluation=evaluation, area=area, role="treated", opened_on=day)
                for area, day in treated.items()
            ]
            + [
                EvaluationArea(evaluation=evaluation, area=area, role="comparison")
                for area in comparison
            ]
        )
        evaluation.centres.set(centres)
        audit.record(
            actor=actor,
            action="evaluation.create",
            obj=evaluation,
            changes={
                "name": [None, name],
                "outcome": [None, outcome],
                "treated": [None, len(treated)],
                "comparison": [None, len(comparison)],
                "estimate": [None, result.get("estimate")],
            },
            client_address=client_address,
        )
    return evaluation
