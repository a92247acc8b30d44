"""The API documentation pages under the content security policy (issue 18, item 10): no inline script,
nothing from another host. The browser test (tests/browser/test_every_page_browser.py) watches them draw."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def _scripts(html: str) -> list[tuple[str, str]]:
    return SCRIPT.findall(html)


def test_swagger_page_loads_its_start_up_script_from_itself(client):
    html = client.get(reverse("api-docs")).content.decode()
    scripts = _scripts(html)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts), scripts
    assert "?script" in html and "https://" not in html
    script = client.get(reverse("api-docs") + "?script")
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert "SwaggerUIBundle" in body and '"validatorUrl": null' in body and '"deepLinking": true' in body


def test_redoc_page_asks_nothing_from_outside(client):
    html = client.get(reverse("api-redoc")).content.decode()
    assert "https://" not in html and "fonts.googleapis" not in html
    scripts = _scripts(html)
    assert scripts == [(' src="?bundle"', "")], scripts
    assert 'spec-url="/api/schema/"' in html and "disable-search" in html
    bundle = client.get(reverse("api-redoc") + "?bundle")
    assert bundle["Content-Type"].startswith("application/javascript")
    assert b"cdn.redoc.ly" not in bundle.content and b"Redoc" in bundle.content
