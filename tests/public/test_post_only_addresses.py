"""An address that takes only a form's POST, opened directly (a bookmark, a reload, a shared
link): a page in the reader's language that says so, not Django's blank 405; the API keeps its
problem documents."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_post_only_page_opened_directly_explains_in_the_readers_language(demo, resident):
    response = resident.get("/sv/booking/manage/cancel/")
    assert response.status_code == 405 and "POST" in response["Allow"]
    text = response.content.decode()
    assert "Den här sidan kan inte öppnas direkt" in text and "Ingenting har ändrats." in text
    english = resident.get("/en/booking/manage/cancel/").content.decode()
    assert "This page cannot be opened directly" in english


def test_the_api_still_answers_a_wrong_method_with_a_problem(demo, resident):
    response = resident.post("/api/v1/services")
    assert response.status_code == 405 and response["Content-Type"] == "application/problem+json"
