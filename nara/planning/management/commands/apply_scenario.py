"""manage.py apply_scenario: turn a saved scenario into centres or bases with catchments."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nara.planning import apply, services
from nara.planning.actions import (
    already_applied,
    do_apply_scenario,
    new_centres_text,
    not_done_message,
)
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

    @translation.override("en")  # one language: the command's own messages are English
    def handle(self, *args, **options):
        scenario = (
            Scenario.objects.select_related("municipality").filter(pk=options["scenario"]).first()
        )
        if scenario is None:
            raise CommandError(_("There is no scenario %(id)s.") % {"id": options["scenario"]})
        if not scenario.is_done:
            raise CommandError(str(not_done_message(scenario)))
        try:
            plan = apply.preview(scenario, options["kind"])
        except services.PlanInputError as exc:
            raise CommandError(exc.message) from exc
        refused = already_applied(scenario, plan.layer)
        if refused:
            raise CommandError(str(refused))
        write = self.stdout.write
        for target in plan.targets:
            count = len(target.area_codes)
            areas = ngettext("%(count)d area", "%(count)d areas", count) % {"count": count}
            state = _("existing") if target.centre else _("new, not published")
            write(f"{target.name}: {areas} ({state})")
        for move in plan.moves:  # sorted by area name
            area = move.area
            label = area.code if area.name == area.code else f"{area.name} ({area.code})"
            write(f"  {label}: {move.before or '-'} -> {move.after}")
        write(
            ngettext(
                "%(count)d area changes centre, %(kept)d keep theirs.",
                "%(count)d areas change centre, %(kept)d keep theirs.",
                len(plan.moves),
            )
            % {"count": len(plan.moves), "kept": plan.unchanged}
        )
        if options["dry_run"]:
            write(_("Dry run: nothing changed."))
            return
        _plan, snapshot = do_apply_scenario(
            actor="apply_scenario", scenario=scenario, kind=options["kind"]
        )
        text = _("Applied: %(new)s.") % {
            "new": new_centres_text(options["kind"], len(plan.new_targets))
        }
        if snapshot.memberships:  # nothing to keep when the layer had no catchments
            text += " " + _("The earlier catchments are kept as history %(id)d.") % {
                "id": snapshot.pk
            }
        self.stdout.write(self.style.SUCCESS(text))
