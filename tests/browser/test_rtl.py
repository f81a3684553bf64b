"""Right-to-left pages keep numbers and codes in the order they are written.

In Arabic a phone number, a postcode, an opening-hours range or a code without isolation is
reordered by the bidi algorithm (0470-62 11 42 shows as "42 11 62-0470", 360 00 as "00 360").
Each is measured here character by character: its characters must stand left to right.
"""

import re

import pytest

from .support import db_call

pytestmark = pytest.mark.browser

MEASURE = """([selector, needle]) => {
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const start = node.data.indexOf(needle);
      if (start < 0) continue;
      const lefts = [];
      for (let i = start; i < start + needle.length; i++) {
        if (node.data[i] === " ") continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        lefts.push(range.getBoundingClientRect().left);
      }
      const isolated = node.parentElement.closest('bdi[dir="ltr"], [dir="ltr"]:not(html)');
      return {lefts, isolated: isolated !== null};
    }
  }
  return null;
}"""


def _centre_facts():
    from nara.core.models import Center

    centre = Center.objects.filter(kind="centre", is_published=True).exclude(phone="").first()
    return centre.slug, centre.phone, centre.postal_code


def in_reading_order(page, selector, text):
    found = page.evaluate(MEASURE, [selector, text])
    assert found is not None, f"{text!r} not found in {selector}"
    lefts = found["lefts"]
    assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts), (text, lefts)
    assert found["isolated"], f"{text!r} is not inside a dir=ltr element"


def test_arabic_centre_page_shows_phone_postcode_and_hours_as_written(new_context):
    slug, phone, postcode = db_call(_centre_facts)
    page = new_context(locale="ar-SE").new_page()
    page.goto(f"/ar/centres/{slug}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    in_reading_order(page, "main", phone)
    in_reading_order(page, "main", postcode)
    hours = page.locator("table.hours td").filter(has_text=re.compile(r"\d\d:\d\d–")).first
    span = re.search(r"\d\d:\d\d–\d\d:\d\d", hours.inner_text()).group(0)
    in_reading_order(page, "table.hours", span)


def test_arabic_code_after_a_question_shows_as_written(new_context):
    from django.test import override_settings

    slug, _phone, _postcode = db_call(_centre_facts)
    page = new_context(locale="ar-SE").new_page()
    with override_settings(NARA_SKIP_FORM_TIMER=True):
        page.goto(f"/ar/centres/{slug}/ask/")
        page.locator("textarea[name=question]").fill("كيف أحصل على مساعدة؟")
        page.locator("main form button[type=submit]").click()
        page.locator("[data-code]").wait_for()
    code = page.locator("[data-code]").inner_text().strip()
    in_reading_order(page, "main", code)
