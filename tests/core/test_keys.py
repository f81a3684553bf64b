"""Keys: no public default outside development, separate field and audit keys, rotation.

Security test item 1: with NARA_DEBUG off and no key, settings fell back to a public string
from which every personnummer and the audit chain's key could be derived.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from nara.core import crypto
from nara.core.actions.booking import (
    appointment_for_code,
    callback_for_code,
    do_ask_question,
    do_book,
    do_request_callback,
    question_for_code,
)
from nara.core.actions.people import do_create_person, find_by_personnummer
from nara.core.models import AuditEvent, Center, Slot

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k" * 40


def start(tmp_path, **variables):
    """Load the settings and the app registry in a fresh process, as gunicorn would."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NARA_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="nara.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'start.sqlite3'}",
        **variables,
    )
    code = "import django; django.setup(); from django.conf import settings; print('started')"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def refused(result, message):
    assert result.returncode != 0 and "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr, result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    refused(start(tmp_path, NARA_DEBUG="0"), "Set NARA_SECRET_KEY (or NARA_SECRET_KEY_FILE)")


def test_production_refuses_to_start_without_field_and_audit_keys(tmp_path):
    refused(start(tmp_path, NARA_SECRET_KEY=STRONG), "Set NARA_FIELD_KEYS")
    refused(start(tmp_path, NARA_SECRET_KEY=STRONG, NARA_FIELD_KEYS=STRONG), "Set NARA_AUDIT_KEY")


def test_production_refuses_a_short_key(tmp_path):
    result = start(tmp_path, NARA_SECRET_KEY="short", NARA_FIELD_KEYS=STRONG, NARA_AUDIT_KEY=STRONG)
    refused(result, "NARA_SECRET_KEY must be at least 32 characters")


def test_the_development_key_opt_in_is_refused_for_a_public_host(tmp_path):
    result = start(tmp_path, NARA_DEV_MODE="1", NARA_ALLOWED_HOSTS="nara.example.se")
    refused(result, "are for development on this machine only")


def test_debug_pages_are_refused_for_a_public_host(tmp_path):
    result = start(tmp_path, NARA_DEBUG="1", NARA_ALLOWED_HOSTS="nara.example.se")
    refused(result, "are for development on this machine only")


def test_production_starts_with_its_three_keys_given_as_files(tmp_path):
    files = {}
    for name in ("NARA_SECRET_KEY", "NARA_FIELD_KEYS", "NARA_AUDIT_KEY"):
        path = tmp_path / name.lower()
        path.write_text(name.lower() + STRONG + "\n")
        files[f"{name}_FILE"] = str(path)
    production = {
        "NARA_ALLOWED_HOSTS": "nara.example.se",
        "NARA_PUBLIC_URL": "https://nara.example.se",
    }
    result = start(tmp_path, **files, **production)
    assert result.returncode == 0 and "started" in result.stdout, result.stderr


def test_development_keys_only_on_explicit_opt_in(tmp_path):
    result = start(tmp_path, NARA_DEV_MODE="1")
    assert result.returncode == 0 and "started" in result.stdout, result.stderr


# SQLite file mode (security test, low) --------------------------------------------------------


def test_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    database = tmp_path / "fresh.sqlite3"
    env.update(DJANGO_SETTINGS_MODULE="nara.settings", DATABASE_URL=f"sqlite:///{database}")
    old_umask = os.umask(0o022)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
    finally:
        os.umask(old_umask)
    for path in [database, *tmp_path.glob("fresh.sqlite3-*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# Rotation ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_data_written_under_the_old_key_reads_after_rotation_and_old_key_removal(
    demo, settings, capsys
):
    old = list(settings.NARA_FIELD_KEYS)
    centre = Center.objects.filter(kind="centre").order_by("pk").first()
    person = do_create_person(
        actor="test", center=centre, first_name="Sara", last_name="Ali", pnr="191212121212"
    )
    slot = Slot.objects.filter(center=centre).order_by("pk").first()
    appointment, _token, code = do_book(
        slot_id=slot.pk, mode="centre", alias="Lina", language="so", phone="+46701234567"
    )
    asked, _question_code = do_ask_question(
        center=centre, question="Var finns hjälp?", language="sv"
    )
    settings.NARA_FIELD_KEYS = ["new-field-key-" + STRONG, *old]
    assert find_by_personnummer("19121212-1212") == person  # findable while rotating
    call_command("rotate_keys", "--batch-size", "3")
    assert "core.Person: " in capsys.readouterr().out

    settings.NARA_FIELD_KEYS = ["new-field-key-" + STRONG]  # the old key is gone
    person.refresh_from_db()
    assert person.personnummer == "191212121212"
    assert find_by_personnummer("191212121212") == person
    assert appointment_for_code(code) == appointment
    assert crypto.decrypt(appointment_for_code(code).phone_encrypted) == "+46701234567"
    asked.refresh_from_db()
    assert crypto.decrypt(asked.question_encrypted) == "Var finns hjälp?"
    # Every encrypted value of every model, the demo's people included, reads with the new key.
    values = 0
    for model in apps.get_models():
        for name in crypto.encrypted_fields(model):
            for value in model.objects.exclude(**{name: ""}).values_list(name, flat=True):
                assert crypto.decrypt(value) is not None
                values += 1
    assert values >= 4

    # Counts only in the audit trail; the chain is intact; a second run has nothing to do.
    rotations = AuditEvent.objects.filter(action="keys.rotate")
    assert rotations.exists()
    assert not any("1212" in str(e.changes) + e.reason for e in rotations)
    call_command("verify_audit")
    capsys.readouterr()
    assert all(line.endswith(" 0 rows re-encrypted") for line in _rotation_lines(capsys))


def _rotation_lines(capsys):
    call_command("rotate_keys")
    return [line for line in capsys.readouterr().out.splitlines() if "re-encrypted" in line]


@pytest.mark.django_db
def test_codes_that_cannot_be_rehashed_work_while_the_old_key_is_listed(demo, settings):
    """Callback and question codes are never stored, only hashed: found under every listed key."""
    centre = Center.objects.filter(kind="centre").order_by("pk").first()
    callback, code = do_request_callback(
        center=centre, alias="Omar", phone="+46707654321", language="ar", when="any"
    )
    asked, question_code = do_ask_question(center=centre, question="Hur?", language="sv")
    settings.NARA_FIELD_KEYS = ["new-field-key-" + STRONG, *settings.NARA_FIELD_KEYS]
    call_command("rotate_keys")
    assert callback_for_code(code) == callback
    assert crypto.decrypt(callback_for_code(code).phone_encrypted) == "+46707654321"
    assert crypto.decrypt(question_for_code(question_code).question_encrypted) == "Hur?"


@pytest.mark.django_db
def test_rotation_without_the_old_key_stops_with_a_clear_message(demo, settings):
    centre = Center.objects.filter(kind="centre").order_by("pk").first()
    person = do_create_person(
        actor="test", center=centre, first_name="Sara", last_name="Ali", pnr="191212121212"
    )
    settings.NARA_FIELD_KEYS = ["new-field-key-" + STRONG]  # the old key forgotten
    with pytest.raises(CommandError, match=f"core.Person {person.pk}: no key in NARA_FIELD_KEYS"):
        call_command("rotate_keys")
