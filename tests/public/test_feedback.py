import pytest
from django.test import override_settings

from nara.core.models import PageFeedback

pytestmark = pytest.mark.django_db


def test_feedback_is_stored_without_personal_data(demo, resident):
    page = resident.post(
        "/sv/feedback/",
        {"path": "/sv/help/", "helpful": "no", "comment": "Svår text"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert page.status_code == 302 and page.url == "/sv/help/#feedback"
    answer = PageFeedback.objects.get()
    assert (answer.path, answer.helpful, answer.comment, answer.language) == (
        "/sv/help/",
        False,
        "Svår text",
        "sv",
    )
    assert "10.1.2.3" not in str(PageFeedback.objects.values().get())


def test_feedback_without_an_answer_changes_nothing(demo, resident):
    page = resident.post("/sv/feedback/", {"path": "/sv/help/"}, follow=True)
    assert PageFeedback.objects.count() == 0
    assert 'class="message error"' in page.content.decode()


def test_feedback_refuses_foreign_return_paths(demo, resident):
    page = resident.post("/sv/feedback/", {"path": "https://evil.example/", "helpful": "yes"})
    assert page.url == "/sv/#feedback"


@override_settings(NARA_FEEDBACK_PER_HOUR=3)
def test_feedback_is_rate_limited(demo, resident):
    for _ in range(5):
        resident.post("/sv/feedback/", {"path": "/sv/", "helpful": "yes"})
    assert PageFeedback.objects.count() == 3
