"""manage.py apply_scenario: turn a saved scenario into centres or bases with catchments."""

from django.core.management.base import BaseCommand, CommandError

from nara.planning import apply, services
from nara.planning.actions import already_applied, do_apply_scenario, not_done_message
from nara.planning.models import Scenario


class Command(BaseCommand):
    help = (
        "Apply a saved scenario: its sites become centres (or bases) and its catchments their "
        "layer. New centres are created unpublished; the layer's previous catchments are kept "
        "as history. Prints what changes; --dry-run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("scenario", type=int, help="scenario id (see plan --save)")
        parser.add_argument("--kind", choices=[str(k) for k in apply.KINDS], default="centre")
        parser.add_argument("--dry-run", action="store_true", help="only show what changes")

    def handle(self, *args, **options):
        scenario = (
            Scenario.objects.select_related("municipality").filter(pk=options["scenario"]).first()
        )
        if scenario is None:
            raise CommandError(f"There is no scenario {options['scenario']}.")
        if not scenario.is_done:
            raise CommandError(str(not_done_message(scenario)))
        try:
            plan = apply.preview(scenario, options["kind"])
        except services.PlanInputError as exc:
            raise CommandError(exc.message) from exc
        refused = already_applied(scenario, plan.layer)
        if refused:
            raise CommandError(str(refused))
        for target in plan.targets:
            state = "existing" if target.centre else "new, unpublished"
            self.stdout.write(f"{target.name}: {len(target.area_codes)} areas ({state})")
        for move in plan.moves:
            self.stdout.write(f"  {move.area.code}: {move.before or '-'} -> {move.after}")
        self.stdout.write(f"{len(plan.moves)} areas change centre, {plan.unchanged} keep theirs.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing changed.")
            return
        _plan, snapshot = do_apply_scenario(
            actor="apply_scenario", scenario=scenario, kind=options["kind"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied. {len(plan.new_targets)} new centres (unpublished); the earlier "
                f"catchments are kept as history {snapshot.pk}."
            )
        )
