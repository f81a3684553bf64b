"""An example scenario for demos and tests: three centres by p-median, with staff and budget."""

from . import plans
from .actions import do_create_scenario


def create_example_scenario(*, actor, municipality, name="Exempel: tre centra"):
    request = plans.PlanRequest(model="pmedian", k=3, staff_posts=9, min_posts=1)
    results = plans.run_plan(municipality, request)
    return do_create_scenario(
        actor=actor,
        municipality=municipality,
        name=name,
        model=request.model,
        parameters=request.parameters(),
        results=results,
    )
