"""The dashboards: figures on the page against hand-computed values (the known dataset of
test_kpis, plus a corrected answer, a cancelled and a missed booking, a budget, an outreach
shift, a group session and a referral), access per persona, filters and bad filter input,
exports (CSV and XLSX read back, formula injection neutralised), charts that carry their
figures, and a query count that does not grow with the data."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from nara.core.actions import booking, contacts, groups, offers
from nara.core.actions.outreach import do_record_outreach
from nara.core.actions.referrals import do_send_referral
from nara.core.models import Area, Center, Municipality, PartnerService, Slot
from nara.insights import rollups
from nara.insights.models import ContactRollup
from tests.insights.test_kpis import known, last_month  # noqa: F401  (a fixture, reused)
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db


def this_month():
    return rollups.month_of(timezone.localdate())


def period(**extra):
    """Last month to next month: the known contacts (last month), today's escalations, outreach
    and group session, and the bookings of the coming days."""
    following = rollups.next_month(this_month())
    return {"start": f"{last_month():%Y-%m}", "end": f"{following:%Y-%m}", **extra}


@pytest.fixture
def data(known):  # noqa: F811  (the fixture imported above)
    a, anna = known["a"], known["anna"]
    Center.objects.filter(pk=a.pk).update(annual_budget_sek=1_200_000, opened_on=None)
    # A correction: the declined offer was accepted after all (acceptance 2 of 2).
    declined = known["c2"].offers.get()
    offers.do_answer_offer(
        actor=anna, offer=declined, answer="accepted", answered_on=declined.offered_on
    )
    # Two bookings: one cancelled by the resident, one missed.
    now = timezone.now().replace(microsecond=0)
    visit = now + dt.timedelta(hours=2)
    booked = []
    for _ in range(2):
        slot = Slot.objects.create(
            center=a, starts_at=visit, ends_at=visit + dt.timedelta(minutes=45), modes=["centre"]
        )
        appointment, _token, _code = booking.do_book(
            slot_id=slot.pk, mode="centre", alias="Test", language="sv"
        )
        booked.append(appointment)
    booking.do_cancel(appointment=booked[0])
    with time_machine.travel(visit + dt.timedelta(hours=1), tick=False):
        booked[1].refresh_from_db()
        booking.do_mark(actor=anna, appointment=booked[1], status="no_show")
    do_record_outreach(
        actor=anna,
        center=a,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=1),
        staff=[anna],
        area=known["area"],
        counts={("13-17", "male"): 4, ("13-17", "female"): 3},
    )
    group = groups.do_create_group(
        actor=anna, center=a, service=a.services.get(slug="unga"), title="Kurs", capacity=10
    )
    session = groups.do_add_session(
        actor=anna, activity=group, starts_at=now - dt.timedelta(hours=1), ends_at=now
    )
    groups.do_record_attendance(actor=anna, session=session, attended=6)
    service = PartnerService.objects.filter(accepts_referrals=True).first()
    do_send_referral(
        actor=anna,
        center=a,
        service=service,
        topic="parenting",
        shared=["situation"],
        alias=known["c2"].alias,
    )
    return known


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def cells(html, table, label):
    """The cells of the row headed `label` in the table `table`, as text."""
    body = html.split(f'data-table="{table}"')[1].split("</table>")[0]
    for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
        texts = [re.sub(r"<[^>]+>", "", c).strip().replace("\xa0", " ") for c in found]
        if texts and texts[0] == label:
            return texts[1:]
    raise AssertionError(f"no row {label!r} in {table}")


def value(html, label):
    return cells(html, "summary", label)[0]


def test_centre_dashboard_shows_the_hand_computed_figures(data):
    html = get(signed_in(user("maria")), f"/staff/insights/centres/{data['a'].pk}/", **period())
    assert value(html, "Kontakter") == "3"
    assert value(html, "Förstagångsbesökare") == "2"
    assert value(html, "Andel tidigare okända för socialtjänsten") == "50 %"  # 1 of 2 stated
    assert value(html, "Unika alias nådda") == "1"
    assert value(html, "Unika hushåll nådda") == "0"
    assert value(html, "Erbjudanden om insatser") == "3"
    assert value(html, "Andel som tackat ja") == "100 %"  # after the correction: 2 / 2
    assert value(html, "Bokningar") == "2"
    assert value(html, "Andel uteblivna") == "100 %"  # 1 / (0 + 1); cancelled left out
    assert value(html, "Eskaleringar") == "2"
    assert value(html, "Följda från en första kontakt") == "1"  # the alias; not the anonymous
    assert value(html, "Snitt dagar från första kontakt till första erbjudande") == "0,0"
    assert value(html, "Fältarbetspass") == "1"
    assert value(html, "Personer mötta i fältarbete") == "7"
    assert value(html, "Gruppträffar") == "1"
    assert value(html, "Närvaro i grupper") == "6"
    # 1,200,000 a year × 2 months (last and this; next month has not come) / 12 = 200,000.
    assert value(html, "Budget för perioden (kr)") == "200 000"
    assert value(html, "Kostnad per kontakt (kr)") == "66 667"  # 200,000 / 3
    assert value(html, "Kostnad per nått hushåll (kr)") == "–"  # no household reached
    assert cells(html, "funnel", "Erbjudna")[0] == "3"
    assert cells(html, "funnel", "Påbörjade")[0] == "1"
    assert cells(html, "bookings", "Avbokade") == ["1", "0", "1"]
    assert cells(html, "referrals", "Gjorda") == ["1", "0"]
    assert cells(html, "equity", data["area"].name)[3] == "2"  # contacts from the area


def test_charts_carry_their_figures_beside_the_table(data):
    html = get(signed_in(user("ahmed")), f"/staff/insights/centres/{data['a'].pk}/", **period())
    funnel = html.split('id="funnel"')[1].split("</section>")[0]
    svg = funnel.split("<svg")[1].split("</svg>")[0]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Erbjudna: 3" in texts and "Påbörjade: 1 (33 %)" in texts
    assert "<title" in svg and "<desc" in svg and 'role="img"' in funnel
    assert "style=" not in svg  # the CSP drops inline styles: presentation attributes instead
    assert 'data-table="funnel"' in funnel
    months = html.split('id="months"')[1].split("</section>")[0]
    assert "<svg" in months and 'data-table="months"' in months
    equity = html.split('id="equity"')[1].split("</section>")[0]
    assert equity.count("<svg") == 2  # the map and the scatter


def test_who_sees_which_dashboard(data):
    a, b = data["a"], data["b"]
    maria, ahmed = signed_in(user("maria")), signed_in(user("ahmed"))
    # The manager's municipality dashboard holds only her centre's figures.
    assert value(get(maria, "/staff/insights/", **period()), "Kontakter") == "3"
    assert value(get(ahmed, "/staff/insights/", **period()), "Kontakter") == "4"
    assert maria.get(f"/staff/insights/centres/{b.pk}/").status_code == 403
    assert maria.get("/staff/insights/centres/999999/").status_code == 404
    assert ahmed.get(f"/staff/insights/centres/{b.pk}/").status_code == 200
    for username in ("anna", "omar", "petra"):
        assert signed_in(user(username)).get("/staff/insights/").status_code == 403
    outside = Area.objects.exclude(catchments__center=a).exclude(catchments__isnull=True).first()
    assert maria.get(f"/staff/insights/areas/{outside.pk}/").status_code == 403
    area = get(ahmed, f"/staff/insights/areas/{data['area'].pk}/", **period())
    assert value(area, "Kontakter") == "2"
    # Her export cannot ask for another centre either.
    response = maria.get("/staff/insights/export/", {"table": "summary", "centre": b.pk})
    assert response.status_code == 400


def test_filters_cut_the_figures_and_say_what_they_could_not_cut(data):
    url = f"/staff/insights/centres/{data['a'].pk}/"
    html = get(signed_in(user("maria")), url, **period(topic="money"))
    assert value(html, "Kontakter") == "2"
    assert "data-not-applied" in html and "Bokningar: inte efter ämne" in html
    youth = get(signed_in(user("maria")), url, **period(age_band="13-17"))
    assert value(youth, "Kontakter") == "1"


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-13"},
        {"start": "2026-05", "end": "2026-01"},
        {"start": "1900-01"},
        {"start": "2000-01", "end": "2199-12"},
        {"centre": "999999"},
        {"area": "x"},
        {"topic": "<script>"},
        {"start": "\x00"},
        {"start": " 2026-03"},
        {"end": "2026-03 "},
        {"start": "2026-3"},
        {"start": "２０２６-03"},
    ],
)
def test_bad_filter_input_gives_a_message_and_changes_nothing(data, params):
    before = ContactRollup.objects.count()
    response = signed_in(user("ahmed")).get("/staff/insights/", params)
    assert response.status_code == 200
    assert "Några filter kunde inte användas" in response.content.decode()
    assert ContactRollup.objects.count() == before
    export = signed_in(user("ahmed")).get("/staff/insights/export/", {"table": "summary", **params})
    assert export.status_code == 400


def test_exports_read_back_and_neutralise_formulas(data):
    Area.objects.filter(pk=data["area"].pk).update(name='=HYPERLINK("http://x","y")')
    client = signed_in(user("maria"))
    query = {"table": "equity", "centre": data["a"].pk, **period()}
    response = client.get("/staff/insights/export/", {**query, "format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0][0] == "Område"
    hostile = next(r for r in rows if "HYPERLINK" in r[0])
    assert hostile[0].startswith("'=") and hostile[4] == "2"
    response = client.get("/staff/insights/export/", {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    hostile = next(r for r in values if "HYPERLINK" in str(r[0]))
    assert hostile[0].startswith("'=") and hostile[4] == 2
    summary = client.get(
        "/staff/insights/export/", {**query, "table": "summary", "format": "csv"}
    ).content.decode()
    assert "Kontakter,3," in summary and "Andel som tackat ja,100.0," in summary
    for table in ("months", "funnel", "referrals", "bookings", "breakdowns", "escalations"):
        for file_format in ("csv", "xlsx"):
            response = client.get(
                "/staff/insights/export/", {**query, "table": table, "format": file_format}
            )
            assert response.status_code == 200, (table, file_format)
    assert client.get("/staff/insights/export/", {"table": "people"}).status_code == 400


def test_kolada_long_format(data):
    response = signed_in(user("ahmed")).get("/staff/insights/kolada.csv", period())
    rows = list(csv.DictReader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    code = Municipality.objects.get(pk=data["a"].municipality_id).code
    month = f"{last_month():%Y-%m}"
    mine = {(r["kpi"], r["gender"]): r["value"] for r in rows if r["period"] == month}
    assert {r["municipality"] for r in rows} == {code}
    assert mine[("NARA001", "T")] == "4"  # both centres' contacts last month
    assert mine[("NARA001", "K")] == "2" and mine[("NARA001", "M")] == "1"
    assert mine[("NARA005", "T")] == "100.0"
    assert ("NARA007", "T") not in mine  # no visit marked last month: no rate, no row


def test_municipality_dashboard_query_count_does_not_grow_with_the_data(data):
    client = signed_in(user("ahmed"))

    def queries():
        client.get("/staff/insights/", period())  # charts drawn and cached
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/staff/insights/", period()).status_code == 200
        return len(captured)

    few = queries()
    a, anna = data["a"], data["anna"]
    service = a.services.get(slug="motesplats")
    for i in range(30):
        contacts.do_register_contact(
            actor=anna,
            center=a,
            service=service,
            channel=["drop_in", "phone", "digital"][i % 3],
            occurred_on=last_month() + dt.timedelta(days=i % 20),
            topics=[["money"], ["housing"], []][i % 3],
            age_band=["0-5", "26-64", "65+"][i % 3],
            language=["sv", "ar", "so"][i % 3],
        )
    assert queries() == few
    assert few <= 60


# Several municipalities ----------------------------------------------------------------------

SQUARE = {"type": "Polygon", "coordinates": [[[16, 58], [16, 59], [17, 59], [17, 58], [16, 58]]]}


def heading_of(response):
    return response.content.decode().split("<h1>")[1].split("</h1>")[0]


@pytest.fixture
def neighbour(data):
    """A second municipality, Grannkommun (after the demo's Exempelstad in the alphabet), with
    one centre serving one area."""
    from nara.core.models import CatchmentMembership

    town = Municipality.objects.create(code="9998", name="Grannkommun")
    centre = Center.objects.create(
        municipality=town,
        slug="grannby",
        name="Aaa Grannby centrum",  # first of all centres in the alphabet
        street_address="Grannvägen 1",
        postal_code="123 45",
        city="Grannby",
        lon=16.5,
        lat=58.5,
        is_published=True,
    )
    area = Area.objects.create(
        municipality=town,
        code="G1",
        name="Grannbyområdet",
        kind=Area.objects.get(pk=data["area"].pk).kind,
        geometry=SQUARE,
        min_lon=16,
        min_lat=58,
        max_lon=17,
        max_lat=59,
        centroid_lon=16.5,
        centroid_lat=58.5,
        population=1000,
    )
    CatchmentMembership.objects.create(center=centre, area=area, layer="centres")
    return {"town": town, "centre": centre, "area": area, "home": data["a"].municipality}


def test_who_sees_centres_in_two_municipalities_chooses_which(data, neighbour):
    """An analyst sees every centre, here in two municipalities: the dashboard says which one
    it shows and why, and offers the other; the tables, the exports, the Kolada file and the
    committee report follow the choice."""
    town, home = neighbour["town"], neighbour["home"]
    ahmed = signed_in(user("ahmed"))
    html = get(ahmed, "/staff/insights/", **period())
    # The default: the first in the alphabet, said plainly; the other one can be chosen.
    assert 'name="municipality"' in html
    assert f'<option value="{town.pk}">Grannkommun</option>' in html
    assert f'<option value="{home.pk}" selected>{home.name}</option>' in html
    assert f"Kommun: {home.name}" in html and "först i bokstavsordning" in html
    assert "Grannbyområdet" not in html
    chosen = get(ahmed, "/staff/insights/", **period(municipality=town.pk))
    assert f'<option value="{town.pk}" selected>Grannkommun</option>' in chosen
    assert "Kommun: Grannkommun" in chosen and "först i bokstavsordning" not in chosen
    assert cells(chosen, "equity", "Grannbyområdet")[0] == neighbour["centre"].name
    assert data["area"].name not in chosen.split('data-table="equity"')[1].split("</table>")[0]
    assert value(chosen, "Kontakter") == "0"  # the other municipality's contacts left out
    # The centre filter offers only the chosen municipality's centres.
    centre_filter = chosen.split('name="centre"')[1].split("</select>")[0]
    assert neighbour["centre"].name in centre_filter and data["a"].name not in centre_filter
    # The exports, the Kolada file and the report, linked from the page, follow the choice.
    assert f"municipality={town.pk}" in chosen.split('id="equity"')[1].split("</section>")[0]
    export = ahmed.get(
        "/staff/insights/export/",
        {"table": "equity", "format": "csv", "municipality": town.pk, **period()},
    )
    assert export.status_code == 200 and "Grannbyområdet" in export.content.decode()
    kolada = ahmed.get("/staff/insights/kolada.csv", {"municipality": town.pk, **period()})
    rows = list(csv.DictReader(io.StringIO(kolada.content.decode().lstrip("\ufeff"))))
    assert {r["municipality"] for r in rows} <= {"9998"}
    report_link = re.search(r'href="(/staff/insights/report/\?[^"]*)"', chosen).group(1)
    assert f"municipality={town.pk}" in report_link.replace("&amp;", "&")
    report = ahmed.get("/staff/insights/report/", {"municipality": town.pk})
    assert report.status_code == 200 and "Grannkommun" in heading_of(report)
    assert "Grannkommun" not in heading_of(ahmed.get("/staff/insights/report/"))


@pytest.mark.parametrize("who", ["maria", "ahmed"])
def test_a_municipality_not_among_the_users_centres_is_refused(data, neighbour, who):
    """Maria manages a centre of Exempelstad only: Grannkommun is not hers to choose. Nobody
    may choose a municipality with none of their centres, or one that does not exist."""
    nowhere = Municipality.objects.create(code="9997", name="Tomby")
    client = signed_in(user(who))
    refused = [nowhere.pk, 999999, "x", " 1", ""] if who == "ahmed" else [neighbour["town"].pk]
    for asked in refused:
        if asked == "":
            continue  # an empty choice is the default, as for the other filters
        before = ContactRollup.objects.count()
        response = client.get("/staff/insights/", {"municipality": asked, **period()})
        html = response.content.decode()
        assert response.status_code == 200, asked
        assert "Några filter kunde inte användas" in html and "Kommun:" in html, asked
        assert "Grannbyområdet" not in html and "Tomby" not in html.split("<main")[1]
        assert f"Kommun: {neighbour['home'].name}" in html
        assert ContactRollup.objects.count() == before
        for url in ("/staff/insights/export/", "/staff/insights/kolada.csv"):
            export = client.get(url, {"table": "equity", "municipality": asked})
            assert export.status_code == 400, (url, asked)
        report = client.get("/staff/insights/report/", {"municipality": asked})
        assert report.status_code == 200 and "Grannkommun" not in heading_of(report)
        assert "Några filter kunde inte användas" in report.content.decode()
        pdf = client.get("/staff/insights/report.pdf", {"municipality": asked})
        assert pdf.status_code == 400


def test_a_manager_of_centres_in_two_municipalities_chooses_among_them(data, neighbour):
    from nara.core.models import Membership, Role

    maria = user("maria")
    Membership.objects.create(user=maria, role=Role.CENTRE_MANAGER, center=neighbour["centre"])
    client = signed_in(maria)
    html = get(client, "/staff/insights/", **period(municipality=neighbour["town"].pk))
    assert "Kommun: Grannkommun" in html
    assert cells(html, "equity", "Grannbyområdet")[0] == neighbour["centre"].name
    home = get(client, "/staff/insights/", **period())
    assert f"Kommun: {neighbour['home'].name}" in home and "Grannbyområdet" not in home
    # Her centre in Grannkommun, asked for without the municipality, brings it along.
    via_centre = get(client, "/staff/insights/", **period(centre=neighbour["centre"].pk))
    assert "Kommun: Grannkommun" in via_centre and "Några filter" not in via_centre
