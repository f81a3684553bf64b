"""The committee report: hand-checkable figures (the dashboards' known dataset), Swedish for an
English-speaking user too, the evaluation shown only with its interval, access per persona, bad
parameters, and the PDF: one A4 page that names the centre, made without any network access."""

import datetime as dt
import re
import shutil
import subprocess
import sys
import types
import zlib

import pytest
from django.utils import timezone

from nara.core.actions import contacts
from nara.insights import charts, pdf, report, rollups
from tests.insights.test_dashboards import cells, data, period  # noqa: F401  (data: a fixture)
from tests.insights.test_kpis import known  # noqa: F401  (a fixture, reused)
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db

URL, PDF = "/staff/insights/report/", "/staff/insights/report.pdf"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def figure(html, label):
    return cells(html, "report-figures", label)[0]


def page(client, url=URL, **params):
    response = client.get(url, params, **ENGLISH)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def page_count(content):
    """Pages of a PDF: the /Count of its page tree, read from its (compressed) object streams."""
    chunks = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        end = content.find(b"endstream", match.end())
        try:
            chunks.append(zlib.decompress(content[match.end() : end]))
        except zlib.error:
            continue
    counts = [
        int(n)
        for chunk in chunks
        for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", chunk)
    ]
    assert counts, "no page tree found"
    return max(counts)


def laid_out_text(html):
    """The text WeasyPrint laid out, page by page (what the PDF shows)."""
    document = pdf.document(html, base_url="http://testserver/")

    def texts(box):
        if type(box).__name__ == "TextBox":
            yield box.text
        for child in getattr(box, "children", None) or []:
            yield from texts(child)

    return [" ".join(texts(p._page_box)) for p in document.pages]


@pytest.fixture
def evaluation(monkeypatch):
    """The evaluation app's summary module, as it will be (it is built on another branch)."""
    svg = charts.render(
        "line",
        title="Händelsestudie",
        desc="Skattning per kvartal före och efter öppningen.",
        labels=["-4", "-3", "-2", "-1", "0", "1", "2", "3"],
        series=[("Skattning", [0.1, -0.2, 0.0, 0.1, 1.2, 1.8, 2.0, 2.4])],
        size=(3.2, 1.8),
    )
    summary = {
        "name": "Hasselberga före och efter",
        "outcome": "förstagångsbesökare per 1 000 invånare och månad",
        "estimate": 2.4,
        "ci_low": 0.8,
        "ci_high": 4.0,
        "conclusions": [
            "Efter öppningen kom fler nya besökare från området än från jämförelseområdena.",
            "Skillnaden är större än slumpen brukar ge: intervallet ligger över noll.",
            "Före öppningen följde området jämförelseområdena.",
        ],
        "svg": svg,
        "created_at": dt.datetime(2026, 3, 2, 10, 0),
    }
    module = types.ModuleType("nara.evaluation.summary")
    module.calls = []

    def latest_summary(centre=None):
        module.calls.append(centre)
        return dict(summary)

    module.latest_summary = latest_summary
    module.summary = summary
    monkeypatch.setitem(sys.modules, "nara.evaluation.summary", module)
    return module


def test_hand_computed_figures_in_swedish_for_an_english_user(data):  # noqa: F811
    html = page(signed_in(user("maria")), centre=data["a"].pk, **period())
    assert '<html lang="sv"' in html
    assert "Rapport till nämnden: Socialt center" in html
    assert figure(html, "Kontakter") == "3"
    assert figure(html, "Förstagångsbesökare") == "2"
    assert figure(html, "Unika alias nådda") == "1"
    assert figure(html, "Unika hushåll nådda") == "0"
    assert figure(html, figure_label(html, "Andel tidigare okända")) == "50 %"  # 1 of 2 stated
    assert figure(html, figure_label(html, "Andel som tackat ja")) == "100 %"  # corrected: 2 / 2
    assert figure(html, figure_label(html, "Andel uteblivna (")) == "100 %"
    assert figure(html, "Andel uteblivna med påminnelse") == "–"  # no reminder went out
    assert figure(html, "Andel uteblivna utan påminnelse") == "100 %"  # 1 / (0 + 1)
    assert figure(html, "Eskaleringar") == "2"
    # 1,200,000 a year × 2 months (last and this; next month has not come) / 12 = 200,000.
    assert cells(html, "report-cost", "Årsbudget (kr)") == ["1 200 000"]
    assert cells(html, "report-cost", "Budget för perioden (kr)") == ["200 000"]
    assert cells(html, "report-cost", "Kostnad per kontakt (kr)") == ["66 667"]
    assert cells(html, "report-cost", "Kostnad per nått hushåll (kr)") == ["–"]
    funnel = html.split('class="report-funnel"')[1].split("</section>")[0]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", funnel)
    assert "Erbjudna: 3" in texts and "Påbörjade: 1 (33 %)" in texts
    assert cells(html, "report-trend", f"{period()['start']}") == ["3", "0"]
    assert "Ingen utvärdering har gjorts ännu." in html
    assert "Så läser du rapporten" in html
    assert "Committee report" not in html and "Key figures" not in html


def figure_label(html, start):
    """The whole row label that begins with `start` (labels carry a note in brackets)."""
    body = html.split('data-table="report-figures"')[1].split("</table>")[0]
    for label in re.findall(r'<th scope="row">(.*?)</th>', body, flags=re.S):
        text = re.sub(r"<[^>]+>", "", label).strip()
        if text.startswith(start):
            return text
    raise AssertionError(start)


def test_the_default_period_is_the_last_twelve_whole_months(data):  # noqa: F811
    html = page(signed_in(user("maria")), centre=data["a"].pk)
    first, last = report.last_complete_months(timezone.localdate())
    assert f"Period: {first:%Y-%m} till {last:%Y-%m}" in html
    assert (last.year * 12 + last.month) - (first.year * 12 + first.month) == 11
    assert figure(html, "Kontakter") == "4"  # last month's three and the one of 200 days ago
    assert figure(html, "Eskaleringar") == "0"  # today's are not in a whole past month
    assert report.last_complete_months(dt.date(2026, 1, 15)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 1),
    )


def test_the_evaluation_is_shown_with_its_interval_and_conclusions(data, evaluation):  # noqa: F811
    html = page(signed_in(user("ahmed")), centre=data["a"].pk, **period())
    assert evaluation.calls == [data["a"]]
    assert "Uppskattad effekt på förstagångsbesökare" in html
    assert "2,4 (95 % konfidensintervall 0,8 till 4,0)" in html
    assert "intervallet ligger över noll" in html and "Händelsestudie" in html
    evaluation.summary["ci_low"] = None  # never an estimate without its interval
    html = page(signed_in(user("ahmed")), centre=data["a"].pk, **period())
    assert "Uppskattad effekt" not in html and "Ingen utvärdering har gjorts ännu." in html
    page(signed_in(user("ahmed")), **period())
    assert evaluation.calls[-1] is None  # the whole service's evaluation


def test_who_may_read_which_report(data):  # noqa: F811
    a, b = data["a"], data["b"]
    maria, ahmed = signed_in(user("maria")), signed_in(user("ahmed"))
    for url in (URL, PDF):
        assert maria.get(url, {"centre": b.pk}).status_code == 403
        assert maria.get(url, {"centre": 999999}).status_code == 404
        assert ahmed.get(url, {"centre": b.pk}).status_code == 200
        assert maria.get(url, {"centre": a.pk}).status_code == 200
        for username in ("anna", "omar", "petra"):
            assert signed_in(user(username)).get(url).status_code == 403
    # The whole-service report of a manager covers only her centres.
    assert figure(page(maria, **period()), "Kontakter") == "3"
    assert figure(page(ahmed, **period()), "Kontakter") == "4"
    assert "hela verksamheten" in page(ahmed, **period())


@pytest.mark.parametrize(
    "params",
    [
        {"centre": "abc"},
        {"centre": "1e3"},
        {"centre": "²"},
        {"centre": "9" * 40},
        {"start": "2026-13"},
        {"start": "2026-05", "end": "2026-01"},
        {"start": "1900-01"},
        {"start": "2000-01", "end": "2199-12"},
        {"start": "\x00"},
        {"end": "<script>"},
        {"topic": "<script>", "area": "x"},  # not the report's parameters: left out
    ],
)
def test_bad_parameters_give_a_message_or_a_refusal_never_an_error(data, params):  # noqa: F811
    client = signed_in(user("ahmed"))
    response = client.get(URL, params)
    assert response.status_code in (200, 404), response.status_code
    if response.status_code == 200 and ("start" in params or "end" in params):
        assert "Några filter kunde inte användas" in response.content.decode()
    pdf_response = client.get(PDF, params)
    assert pdf_response.status_code in (200, 400, 404), pdf_response.status_code


def test_the_pdf_is_one_a4_page_that_names_the_centre(data, evaluation):  # noqa: F811
    a, anna = data["a"], data["anna"]
    service = a.services.get(slug="motesplats")
    month, _last = report.last_complete_months(timezone.localdate())
    for _i in range(12):  # a contact in every month of the default period: a full trend table
        following = rollups.next_month(month)
        last_day = following - dt.timedelta(days=1)  # the first month's is within a year
        contacts.do_register_contact(
            actor=anna, center=a, service=service, channel="drop_in", occurred_on=last_day
        )
        month = following
    response = signed_in(user("maria")).get(PDF, {"centre": a.pk}, **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert page_count(response.content) == 1


@pytest.mark.skipif(
    not shutil.which("pdftotext"),
    reason="poppler-utils' pdftotext is not installed: the PDF's subset, compressed fonts keep "
    "its words out of reach; test_the_laid_out_pdf_holds_every_part_on_one_page reads them "
    "from WeasyPrint's layout instead",
)
def test_the_pdf_text_names_the_centre(data):  # noqa: F811
    response = signed_in(user("maria")).get(PDF, {"centre": data["a"].pk})
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert data["a"].name in text and "Rapport till nämnden" in text


def test_the_laid_out_pdf_holds_every_part_on_one_page(data, evaluation, monkeypatch):  # noqa: F811
    kept = {}
    make = pdf.to_pdf

    def keep(html, *, base_url):
        kept["html"] = html
        return make(html, base_url=base_url)

    monkeypatch.setattr(pdf, "to_pdf", keep)
    assert signed_in(user("maria")).get(PDF, {"centre": data["a"].pk}).status_code == 200
    assert 'class="site-header"' not in kept["html"] and "<form" not in kept["html"]
    pages = laid_out_text(kept["html"])
    assert len(pages) == 1
    text = re.sub(r"\s+", " ", pages[0])
    for words in (
        data["a"].name,
        "Nyckeltal",
        "Erbjudanden om insatser",
        "Kostnad per kontakt",
        "95 % konfidensintervall",
        "Så läser du rapporten",
    ):
        assert words in text, words


def test_the_pdf_fetches_nothing_but_local_static_files():
    fetcher = pdf._fetcher_class()()
    css = fetcher.fetch("http://testserver/static/insights/report.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    for url in (
        "https://example.com/static/../../etc/passwd",
        "http://example.com/tracker.png",
        "file:///etc/passwd",
        "http://testserver/static/../nara/settings.py",
        "http://testserver/media/photo.jpg",
        "http://testserver/static/no-such-file.css",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    html = '<link rel="stylesheet" href="http://example.com/x.css"><p>Hej</p>'
    assert pdf.to_pdf(html, base_url="http://testserver/").startswith(b"%PDF")
