"""/favicon.ico answers on every site path (issue 18, item 11: it was a 404 on every page)."""

from django.test import Client


def test_favicon_ico_leads_to_the_static_file():
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")
    assert "/static/" in response["Location"]
