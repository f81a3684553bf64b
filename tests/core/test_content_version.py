"""The public content version: changed once per transaction, never in a lock-order deadlock."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models.signals import post_save, pre_delete

from nara.core import content_version
from nara.core.actions.centers import do_delete, do_update
from nara.core.models import ContentVersion, MythFact


def create_and_roll_back():
    try:
        with transaction.atomic():
            MythFact.objects.create(myth="Undone", fact="Undone")
            raise RuntimeError("undo")
    except RuntimeError:
        pass


def database_token():
    return ContentVersion.objects.get(pk=1).token


@pytest.mark.django_db
def test_an_import_replaces_the_token_once_after_it_commits(django_capture_on_commit_callbacks):
    content_version.current()
    before = database_token()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(40):
            MythFact.objects.create(myth=f"Myt {n}", fact=f"Fakta {n}")
        assert database_token() == before  # not while the import's transaction is open
    assert len(callbacks) == 1
    assert database_token() != before


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_the_token(django_capture_on_commit_callbacks):
    content_version.current()
    before = database_token()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        MythFact.objects.create(myth="Kept", fact="Kept")
        create_and_roll_back()
    assert len(callbacks) == 1 and database_token() != before
    before = database_token()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        create_and_roll_back()
    assert callbacks == [] and database_token() == before


@pytest.mark.django_db(transaction=True)
def test_an_edit_and_a_delete_at_the_same_moment_both_succeed():
    """On PostgreSQL, an edit (content, then audit) and a delete (audit, then content) that
    overlap must not deadlock on the version row and the audit head."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time; the overlap cannot happen")
    edited = MythFact.objects.create(myth="A", fact="A")
    deleted = MythFact.objects.create(myth="B", fact="B")
    both_inside = threading.Barrier(2, timeout=10)
    errors = []

    def wait_for_the_other(sender, instance, **kwargs):
        both_inside.wait()

    def run(action):
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    post_save.connect(wait_for_the_other, sender=MythFact, dispatch_uid="test-overlap-save")
    pre_delete.connect(wait_for_the_other, sender=MythFact, dispatch_uid="test-overlap-delete")
    try:
        threads = [
            threading.Thread(
                target=run,
                args=(lambda: do_update(actor="test", obj=edited, fields={"order": 3}),),
            ),
            threading.Thread(target=run, args=(lambda: do_delete(actor="test", obj=deleted),)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        post_save.disconnect(dispatch_uid="test-overlap-save", sender=MythFact)
        pre_delete.disconnect(dispatch_uid="test-overlap-delete", sender=MythFact)
    assert errors == []
    assert MythFact.objects.get(pk=edited.pk).order == 3
    assert not MythFact.objects.filter(pk=deleted.pk).exists()
