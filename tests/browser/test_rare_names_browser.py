"""Rare names render as characters, not boxes (issue 25, build item 4): the clerk's list of people in
Debian's chromium with fonts-noto-cjk and fonts-hanazono (HanaMinB covers Extensions B–F).

Every character of the test list is drawn on a canvas in the font of the page's name cells and compared,
pixel by pixel, with a character no font has (U+10FFFD, private use, drawn as the missing-glyph box): a
character drawn like that box, or drawn as nothing, has no glyph. Saves docs/screenshots/rare_names.png.
"""

from pathlib import Path

import pytest
from django.conf import settings

from conftest import STRONG_PASSWORD
from tests.browser.test_dashboard_browser import _login, _watch, browser  # noqa: F401 - fixture
from tests.rare_names import RARE_CHARACTERS, rare_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Draws `chars` one by one in `font` and returns, per character, whether its pixels differ from the
# missing-glyph box and from an empty canvas.
_GLYPHS = """([font, chars]) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const context = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (text) => {
    context.clearRect(0, 0, 64, 64);
    context.font = font;
    context.fillStyle = "#000";
    context.textBaseline = "top";
    context.fillText(text, 8, 8);
    return context.getImageData(0, 0, 64, 64).data.join(",");
  };
  const empty = draw("");
  const box = draw("\\u{10FFFD}");
  return Object.fromEntries([...chars].map((c) => {
    const pixels = draw(c);
    return [c, pixels !== box && pixels !== empty];
  }));
}"""


@pytest.fixture
def site(live_server, reference_data):
    from targets.models import Township
    from targets.services import staff_user_save
    from workers.services import worker_register
    from workers.tests.test_returns import id_for

    clerk = staff_user_save(username="clerk_names", role="clerk", township="甘宁镇", password=STRONG_PASSWORD)
    township = Township.objects.get(name="甘宁镇")
    for n, (written, _stored) in enumerate(rare_names(), start=1):
        worker_register(acting_user=clerk, id_number=id_for(n), name=written, township=township)
    return live_server


def test_rare_names_render_as_glyphs(site, browser):  # noqa: F811
    base = site.url
    admin = f"{base}/{settings.ADMIN_URL.strip('/')}"
    failed, errors = [], []
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _watch(page, failed, errors)
    _login(page, base, "clerk_names")
    page.goto(f"{admin}/workers/worker/?q=" + "𠮷")
    cell = page.locator("#result_list tbody th a").first
    assert cell.inner_text() == "李𠮷"
    font = cell.evaluate("(e) => { const s = getComputedStyle(e); return `${s.fontSize} ${s.fontFamily}`; }")
    page.goto(f"{admin}/workers/worker/?all=")
    page.evaluate("document.fonts.ready")
    drawn = page.evaluate(_GLYPHS, [font, RARE_CHARACTERS + "〇·"])
    missing = [char for char, glyph in drawn.items() if not glyph]
    assert missing == [], f"无字形：{''.join(missing)}（make browser 安装 fonts-noto-cjk fonts-hanazono）"
    # The box itself is told apart: a character of no font is reported as missing.
    assert page.evaluate(_GLYPHS, [font, "\U000f0001"]) == {"\U000f0001": False}

    docs = Path(settings.BASE_DIR) / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(docs / "rare_names.png"), full_page=True)
    assert not failed and not errors, (failed, errors)
