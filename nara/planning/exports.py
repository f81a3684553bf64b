"""Scenario exports: CSV (one row per scenario, or per centre) and XLSX (three sheets).

Files are written by nara.lib.exports, which keeps text cells from running as formulas.
"""

from nara.lib import exports

SCENARIO_COLUMNS = [
    ("scenario_id", lambda s: s.pk),
    ("name", lambda s: s.name),
    ("model", lambda s: s.model),
    ("created", lambda s: s.created_at.strftime("%Y-%m-%d %H:%M")),
    ("k", lambda s: s.parameters.get("k")),
    ("status", lambda s: s.status),  # the state while not computed
    ("objective", lambda s: s.results.get("objective")),
    ("lower_bound", lambda s: s.results.get("lower_bound")),
    ("upper_bound", lambda s: s.results.get("upper_bound")),
    ("gap", lambda s: s.results.get("gap")),
    ("coverage_distance", lambda s: s.metrics.get("coverage_distance")),
    ("distance_unit", lambda s: s.results.get("distance_unit")),
    ("coverage_share", lambda s: s.metrics.get("coverage_share")),
    ("neediest_quintile_mean_distance", lambda s: s.metrics.get("neediest_quintile_mean_distance")),
    ("staff_posts", lambda s: s.metrics.get("staff")),
    ("annual_cost_sek", lambda s: s.metrics.get("total_cost")),
    ("cost_per_1000_residents_sek", lambda s: s.metrics.get("cost_per_1000_residents")),
    ("cost_per_need_unit_sek", lambda s: s.metrics.get("cost_per_need_unit")),
    ("residents", lambda s: s.metrics.get("residents")),
    ("sites", lambda s: "; ".join(site["name"] for site in s.results.get("sites", []))),
]
SITE_COLUMNS = [
    "number",
    "id",
    "name",
    "kind",
    "lon",
    "lat",
    "areas",
    "residents",
    "need",
    "posts",
    "annual_cost",
    "cost_per_1000_residents",
    "cost_per_need_unit",
]


def scenario_rows(scenarios):
    yield [name for name, _get in SCENARIO_COLUMNS]
    for scenario in scenarios:
        yield [get(scenario) for _name, get in SCENARIO_COLUMNS]


def site_rows(scenarios):
    yield ["scenario_id", "scenario", *SITE_COLUMNS]
    for scenario in scenarios:
        for site in scenario.results.get("sites", []):
            yield [scenario.pk, scenario.name, *(site.get(c) for c in SITE_COLUMNS)]


def assignment_rows(scenarios, area_names):
    yield ["scenario_id", "scenario", "area_code", "area", "site_id", "site", "distance"]
    for scenario in scenarios:
        names = {site["id"]: site["name"] for site in scenario.results.get("sites", [])}
        distances = scenario.results.get("distance", {})
        for code, site_id in scenario.results.get("assignment", {}).items():
            yield [
                scenario.pk,
                scenario.name,
                code,
                area_names.get(code, ""),
                site_id,
                names.get(site_id, ""),
                distances.get(code),
            ]


def to_csv(rows):
    return exports.to_csv(rows)


def to_xlsx(scenarios, area_names):
    return exports.to_xlsx(
        [
            ("Scenarios", scenario_rows(scenarios)),
            ("Centres", site_rows(scenarios)),
            ("Areas", assignment_rows(scenarios, area_names)),
        ]
    )
