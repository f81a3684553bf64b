"""The CSV import of monthly outcome series: Swedish Excel files read right, bad rows named,
nothing saved from a file that is partly wrong, a re-import replaces."""

import pytest

from nara.core.models import Area, AuditEvent
from nara.evaluation.models import ImportBatch, OutcomeValue

pytestmark = pytest.mark.django_db
URL = "/staff/insights/outcomes/"


@pytest.fixture
def codes(demo):
    return list(
        Area.objects.filter(municipality=demo).order_by("code").values_list("code", flat=True)
    )


def upload(client, content, name="utfall.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(URL, {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_swedish_excel_csv_is_read_correctly(as_analyst, codes):
    content = (
        "Områdeskod;Månad;Mått;Värde\r\n"
        f"{codes[0]};2024-01;Orosanmälningar per 1 000 barn;12,5\r\n"
        f"{codes[0]};2024-02-01;reports_of_concern;1 234,5\r\n"
        f"{codes[1]};2024-01;external placements;3\r\n"
        f"{codes[1]};2024-01;annat: Ungdomsinsatser för åk 9;7,25\r\n"
    ).encode("cp1252")
    response = upload(as_analyst, content)
    assert response.status_code == 302
    values = {
        (v.area.code, v.month.isoformat(), v.measure, v.other_name): v.value
        for v in OutcomeValue.objects.select_related("area")
    }
    assert values == {
        (codes[0], "2024-01-01", "reports_of_concern", ""): 12.5,
        (codes[0], "2024-02-01", "reports_of_concern", ""): 1234.5,
        (codes[1], "2024-01-01", "placements_external", ""): 3.0,
        (codes[1], "2024-01-01", "other", "Ungdomsinsatser för åk 9"): 7.25,
    }
    batch = ImportBatch.objects.get()
    assert batch.rows == 4 and batch.created_by.username == "ahmed"
    assert AuditEvent.objects.filter(action="outcomes.import", object_id=str(batch.pk)).exists()
    page = as_analyst.get(URL).content.decode()
    assert "Ungdomsinsatser för åk 9" in page and "utfall.csv" in page


def test_a_reimport_replaces_the_value_of_the_same_area_month_and_measure(as_analyst, codes):
    upload(
        as_analyst, f"area code,month,measure,value\n{codes[0]},2024-01,investigations,4\n".encode()
    )
    upload(
        as_analyst, f"area code,month,measure,value\n{codes[0]},2024-01,investigations,5\n".encode()
    )
    value = OutcomeValue.objects.get()
    assert value.value == 5.0
    assert ImportBatch.objects.order_by("pk").last().replaced == 1


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("NOPE;2024-01;investigations;4", "Rad 3: det finns inget område med koden"),
        ("{code};2024-13;investigations;4", "Rad 3: &#x27;2024-13&#x27; är ingen månad"),
        ("{code};januari;investigations;4", "Rad 3: &#x27;januari&#x27; är ingen månad"),
        ("{code};2024-02;investigations;fyra", "Rad 3: värdet &#x27;fyra&#x27; är inget tal"),
        ("{code};2024-02;investigations;", "Rad 3 saknar värde"),
        ("{code};2024-01;investigations;5", "Rad 3 upprepar rad 2"),
        ("{code};2024-02;okänt mått;5", "Rad 3: måttet &#x27;okänt mått&#x27; är okänt"),
        ("{code};2024-02;investigations;1,234.5", "Rad 3: värdet"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_saved(as_analyst, codes, bad_line, message):
    content = (
        "områdeskod;månad;mått;värde\n"
        f"{codes[0]};2024-01;investigations;4\n"
        f"{bad_line.format(code=codes[0])}\n"
        f"{codes[1]};2024-01;investigations;4\n"
    ).encode("cp1252")
    response = upload(as_analyst, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page, page[page.find("errorlist") - 200 : page.find("errorlist") + 400]
    assert "Nothing was imported" in page or "Inget importerades" in page
    assert not OutcomeValue.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00a\x00",
        b"area code;month\nX;2024-01\n",
        b"area code;month;measure;value\n",
        b'"unterminated\n',
        b"\x00\x01\x02",
        "områdeskod,månad,mått,värde\nX,2024-01,investigations,12,5\n".encode(),
    ],
)
def test_garbage_files_are_refused_with_a_message_and_no_server_error(as_analyst, content):
    response = upload(as_analyst, content)
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not OutcomeValue.objects.exists()


def test_managers_and_workers_cannot_import(as_manager, as_worker, codes):
    content = f"area code;month;measure;value\n{codes[0]};2024-01;investigations;4\n".encode()
    assert upload(as_manager, content).status_code == 403
    assert upload(as_worker, content).status_code == 403
    assert not OutcomeValue.objects.exists()
