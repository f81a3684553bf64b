"""The README's settings table lists every setting the code reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(
    r"""\b(?:env|env_bool|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
TABLE_NAME = re.compile(r"`([A-Z][A-Z0-9_]*)`")


def settings_read_by_the_code():
    names = set()
    for path in (ROOT / "nara").rglob("*.py"):
        names.update(READ.findall(path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE"}


def settings_in_readme_table():
    rows = [ln for ln in (ROOT / "README.md").read_text().splitlines() if ln.startswith("| `")]
    return {name for row in rows for name in TABLE_NAME.findall(row.split("|")[1])}


def test_the_code_reads_settings_through_env():
    # Guards the pattern below: if settings moved elsewhere, this test would pass vacuously.
    assert {"NARA_PUBLIC_URL", "DATABASE_URL", "NARA_DEBUG"} <= settings_read_by_the_code()


def test_every_setting_is_in_the_readme_table():
    missing = sorted(settings_read_by_the_code() - settings_in_readme_table())
    assert not missing, f"add these settings to the README's settings table: {missing}"
