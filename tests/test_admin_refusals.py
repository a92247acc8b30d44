"""Admin forms opened by users who may not use them answer 403 (issue 18, item 10: the browser walk of
every page, tests/browser/test_every_page_browser.py, found them redirecting to themselves until the
browser gave up)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["carrier", "labourbrand", "course", "recruitmentevent"])
@pytest.mark.parametrize("who", ["clerk_a", "reviewer_user", "industry_user"])
def test_a_form_the_user_may_not_open_is_refused_not_looped(request, login, model, who):
    client = login(request.getfixturevalue(who))
    response = client.get(reverse(f"admin:assistance_{model}_add"))
    assert response.status_code in (200, 403), (response.status_code, response.get("Location"))


@pytest.mark.parametrize("who", ["clerk_a", "reviewer_user", "industry_user"])
def test_the_quarter_lock_form_is_refused_not_looped(request, login, who):
    client = login(request.getfixturevalue(who))
    response = client.get(reverse("admin:targets_quarterlock_add"))
    assert response.status_code == 403, (response.status_code, response.get("Location"))


@pytest.mark.parametrize("who", ["reviewer_user", "industry_user"])
def test_the_person_form_is_refused_not_looped(request, login, who):
    client = login(request.getfixturevalue(who))
    response = client.get(reverse("admin:workers_worker_add"))
    assert response.status_code == 403, (response.status_code, response.get("Location"))
