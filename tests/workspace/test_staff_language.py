"""Staff pages in Swedish show no English interface text.

Every staff GET page of the authorization matrix is opened in Swedish by every role that may
open it. A visible text (a text node, or a label without its colon, or a placeholder, title or
aria-label) fails when it is
- a string the page asked gettext for that has no Swedish translation (recorded while the
  page renders, so strings that `makemessages` never extracted are caught too), or
- a msgid of the Swedish catalogue that has a different Swedish msgstr (English shown where a
  translation exists, e.g. a label that never went through gettext).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.trans_real import DjangoTranslation

from tests.workspace.test_authorization_matrix import (  # noqa: F401 (fixtures)
    EXPECTED,
    all_urls,
    concrete,
    objects,
    personas,
)

pytestmark = pytest.mark.django_db

SV_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "django.po"
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label"}
NOT_SHOWN = {"script", "style", "title", "option"}
VOID = {"input", "img", "br", "meta", "link", "hr", "source"}


def _unquote(line):
    return line[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


def po_entries(path):
    """{msgid: msgstr} of a .po file (fuzzy entries count as untranslated); stdlib only."""
    entries = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts, field, fuzzy = {"msgid": "", "msgstr": ""}, None, False
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
                keyword, quoted = line.split(" ", 1)
                field = keyword.split("[")[0]
                parts[field] = _unquote(quoted)
            elif line.startswith('"') and field:
                parts[field] += _unquote(line)
            else:
                field = None
        if parts["msgid"]:
            entries[parts["msgid"]] = "" if fuzzy else parts["msgstr"]
    return entries


def normal(text):
    return " ".join(text.split())


class VisibleText(HTMLParser):
    """Shown text, leaving out what the page declares to be in another language (lang=...)."""

    def __init__(self):
        super().__init__()
        self.texts, self.skipping = set(), []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        foreign = not (attributes.get("lang") or "sv").startswith("sv")
        if (tag in NOT_SHOWN or foreign) and tag not in VOID:
            self.skipping.append(tag)
        if foreign or self.skipping:
            return
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.texts.add(normal(value))

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        text = normal(data)
        if text and not self.skipping:
            self.texts.add(text)
            self.texts.add(text.rstrip(":").strip())


def visible_texts(html):
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


@pytest.fixture
def missed_lookups(monkeypatch):
    """Strings asked of the Swedish catalogue without a Swedish translation."""
    missed = set()
    original = DjangoTranslation.gettext

    def recording(self, message):
        if self.language() == "sv" and message not in self._catalog:
            missed.add(normal(message))
        return original(self, message)

    monkeypatch.setattr(DjangoTranslation, "gettext", recording)
    return missed


def english_on_page(html, missed, translated):
    texts = visible_texts(html)
    untranslated = {m for m in missed if len(m) > 1 and "%" not in m and m in texts}
    return untranslated | (texts & translated)


def staff_pages(objects):  # noqa: F811 (fixture value)
    for name, route in all_urls():
        if name in EXPECTED and "export" not in name:
            yield name, concrete(name, route, objects)


def test_swedish_staff_pages_show_no_english(personas, objects, missed_lookups):  # noqa: F811
    catalogue = po_entries(SV_CATALOGUE)
    translated = {normal(k) for k, v in catalogue.items() if v and normal(v) != normal(k)}
    problems = []
    for name, url in staff_pages(objects):
        for persona in sorted(EXPECTED[name]):
            missed_lookups.clear()
            page = personas[persona].get(url, HTTP_ACCEPT_LANGUAGE="sv")
            if page.status_code != 200 or "text/html" not in page["Content-Type"]:
                continue
            english = english_on_page(page.content.decode(), missed_lookups, translated)
            problems += [f"{url} as {persona}: {text!r}" for text in sorted(english)]
    assert problems == [], "\n".join(problems)


def test_the_check_sees_an_untranslated_label():
    html = "<form><label>Scenario name:</label><p>Sparat.</p><h1>Planering</h1></form>"
    assert english_on_page(html, {"Scenario name"}, {"Saved."}) == {"Scenario name"}
    assert english_on_page("<p>Saved.</p>", set(), {"Saved."}) == {"Saved."}


def test_the_catalogue_parser_reads_translations():
    catalogue = po_entries(SV_CATALOGUE)
    assert catalogue["Account created."] == "Kontot har skapats."
    assert re.search("[åäö]", "".join(catalogue.values()))


def test_scenario_form_labels_sit_with_their_fields(as_analyst):
    html = as_analyst.get("/staff/planning/scenarios/new/").content.decode()
    form = html.split('class="scenario-form"')[1].split("</form>")[0]
    groups = re.findall(
        r'<div class="field">(.*?)</div>\s*(?=<div class="field">|</fieldset>)', form, re.S
    )
    assert len(groups) >= 15
    for group in groups:
        labels = re.findall(r'<label for="(id_\w+)"', group)
        controls = re.findall(r'<(?:input|select)[^>]*\bid="(id_\w+)"', group)
        assert labels[:1] == controls[:1] and len(set(labels)) == 1, group
