"""Turning a saved scenario into centres or bases with catchments: the preview of what changes.

A scenario's sites are existing centres (``centre:<id>``), imported candidate sites
(``site:<id>``) or area points (``area:<code>``). An existing centre of the chosen kind is kept;
every other site becomes a new, unpublished centre of that kind at the site's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from nara.core.models import Area, CatchmentMembership, Center

from .services import PlanInputError

KINDS = (Center.Kind.CENTRE, Center.Kind.BASE)


@dataclass
class Target:
    """One site of the scenario: an existing centre, or a centre to create."""

    site_id: str
    name: str
    lon: float
    lat: float
    centre: Center | None = None  # None: a new centre
    area_codes: list = field(default_factory=list)


@dataclass
class Move:
    area: Area
    before: str  # centre name, "" when no centre served it
    after: str


@dataclass
class Preview:
    kind: str
    layer: str
    targets: list
    moves: list
    unchanged: int
    emptied: list  # existing centres of the layer left without areas

    @property
    def new_targets(self):
        return [t for t in self.targets if t.centre is None]


def preview(scenario, kind) -> Preview:
    """What applying ``scenario`` as centres of ``kind`` would change. Nothing is written."""
    if kind not in KINDS:
        raise PlanInputError(_("Choose centres or bases."), "kind")
    assignment = scenario.results.get("assignment") or {}
    sites = scenario.results.get("sites") or []
    if not assignment or not sites:
        raise PlanInputError(_("This scenario has no plan to apply."), "kind")
    municipality = scenario.municipality
    layer = CatchmentMembership.layer_for(kind)
    areas = {a.code: a for a in Area.objects.filter(municipality=municipality)}
    missing = sorted(set(assignment) - set(areas))
    if missing:
        raise PlanInputError(
            _(
                "The areas have changed since the scenario was made (%(code)s is gone); "
                "run it again."
            )
            % {"code": missing[0]},
            "kind",
        )
    targets = {s["id"]: _target(municipality, s, kind) for s in sites}
    for code, site_id in assignment.items():
        targets[site_id].area_codes.append(code)
    current = {
        m.area.code: m.center
        for m in CatchmentMembership.objects.select_related("area", "center").filter(
            layer=layer, area__municipality=municipality
        )
    }
    moves, unchanged = [], 0
    for code in sorted(assignment, key=lambda c: (areas[c].name, c)):
        target = targets[assignment[code]]
        before = current.get(code)
        if before is not None and target.centre is not None and before.pk == target.centre.pk:
            unchanged += 1
            continue
        moves.append(Move(areas[code], before.name if before else "", target.name))
    kept = {t.centre.pk for t in targets.values() if t.centre is not None}
    emptied = sorted({c.name for c in current.values() if c.pk not in kept})
    return Preview(kind, layer, list(targets.values()), moves, unchanged, emptied)


def _target(municipality, site, kind) -> Target:
    target = Target(site["id"], site["name"], site["lon"], site["lat"])
    prefix, _sep, key = site["id"].partition(":")
    if prefix == "centre" and key.isdigit():
        centre = Center.objects.filter(pk=int(key), municipality=municipality, kind=kind).first()
        target.centre = centre
        if centre is not None:
            target.name = centre.name
    return target
