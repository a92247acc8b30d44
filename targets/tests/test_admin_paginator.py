"""The admin lists' paginator reads a page of the second half from the end of the list (issue 27): every page,
orphans included, holds exactly the rows the forward read gives, in the same order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets.admin_scoping import EstimatedCountPaginator
from targets.models import Township

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("per_page", "orphans"), [(5, 0), (7, 0), (10, 3), (52, 0)])
def test_every_page_holds_the_rows_of_the_forward_read(reference_data, per_page, orphans):
    townships = Township.objects.order_by("name", "-pk")
    forward = list(townships)
    assert len(forward) >= 49
    paginator = EstimatedCountPaginator(townships, per_page, orphans=orphans)
    pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
    assert [t for page in pages for t in page] == forward
    for n, rows in zip(paginator.page_range, pages, strict=True):
        page = paginator.page(n)
        assert page.start_index() == forward.index(rows[0]) + 1
        assert page.end_index() == forward.index(rows[-1]) + 1


def test_the_last_page_is_read_backwards_without_an_offset_over_the_list(reference_data):
    paginator = EstimatedCountPaginator(Township.objects.order_by("code", "pk"), 5)
    paginator.count  # noqa: B018 - counted before, as the change list does
    with CaptureQueriesContext(connection) as ctx:
        last = list(paginator.page(paginator.num_pages).object_list)
    (query,) = ctx.captured_queries
    assert "DESC" in query["sql"] and "OFFSET" not in query["sql"]
    assert last == list(Township.objects.order_by("code", "pk"))[(paginator.num_pages - 1) * 5 :]
