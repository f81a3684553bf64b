import pytest

from nara.core.actions.centers import CatchmentConflict, catchment_coverage, do_set_catchment
from nara.core.models import AuditEvent, CatchmentMembership, Center

pytestmark = pytest.mark.django_db


def test_four_bases_cover_every_demo_area_exactly_once(demo):
    uncovered, double = catchment_coverage(demo, CatchmentMembership.Layer.BASES)
    assert uncovered == [] and double == []
    assert Center.objects.filter(kind="base").count() == 4
    assert demo.areas.count() == 40


def test_social_centres_leave_some_areas_uncovered_and_the_check_lists_them(demo):
    uncovered, double = catchment_coverage(demo, CatchmentMembership.Layer.CENTRES)
    served = CatchmentMembership.objects.filter(layer="centres").count()
    assert len(uncovered) == 40 - served > 0
    assert double == []


def test_an_area_cannot_join_a_second_centre_of_the_same_kind(demo):
    first, second = Center.objects.filter(kind="centre")[:2]
    taken = first.catchment.first().area
    before = list(second.catchment.values_list("area_id", flat=True))
    with pytest.raises(CatchmentConflict, match=taken.name):
        do_set_catchment(actor="test", center=second, areas=[taken])
    assert list(second.catchment.values_list("area_id", flat=True)) == before


def test_catchment_change_is_audited(demo):
    centre = Center.objects.filter(kind="centre").first()
    dropped = centre.catchment.first().area
    keep = [m.area for m in centre.catchment.exclude(area=dropped)]
    do_set_catchment(actor="test", center=centre, areas=keep)
    event = AuditEvent.objects.filter(action="center.catchment").last()
    assert event.changes == {"added": [], "removed": [dropped.code]}
