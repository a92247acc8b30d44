"""The scoped querysets behind the feeds (DESIGN.md §6): live employments and workers, and their
tombstones, limited by a `FeedFilters` and by what the requester may see (`wanzhou_jobs.api.api_scoped`:
everything for a client system, `targets.scoping` for a staff session).
"""

from django.db.models import Exists, OuterRef, QuerySet

from wanzhou_jobs.api import api_scoped
from workers.models import Employment, Tombstone, Worker

from .filters import FeedFilters, _year_range


def employment_queryset(request, filters: FeedFilters) -> QuerySet:
    qs = Employment.objects.all()
    if filters.township_id:
        # Rule 4.1: a job belongs to the township of registration on its start date, where it counts.
        qs = qs.filter(registration_township_id=filters.township_id)
    if filters.industry_id:
        qs = qs.filter(industry_id=filters.industry_id)
    if filters.year:
        start, end = _year_range(filters.year)
        qs = qs.filter(start_date__gte=start, start_date__lt=end)
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="worker__township", industry_field="industry")


def employment_tombstones(request, filters: FeedFilters) -> QuerySet:
    qs = Tombstone.objects.filter(kind=Tombstone.Kind.EMPLOYMENT)
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.industry_id:
        qs = qs.filter(industry_id=filters.industry_id)
    if filters.year:
        qs = qs.filter(start_year=filters.year)
    if filters.updated_since:
        qs = qs.filter(deleted_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="township", industry_field="industry")


def worker_queryset(request, filters: FeedFilters) -> QuerySet:
    qs = Worker.objects.all()
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.industry_id or filters.year:
        jobs = Employment.objects.filter(worker=OuterRef("pk"))
        if filters.industry_id:
            jobs = jobs.filter(industry_id=filters.industry_id)
        if filters.year:
            start, end = _year_range(filters.year)
            jobs = jobs.filter(start_date__gte=start, start_date__lt=end)
        qs = qs.filter(Exists(jobs))
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="township", industry_field="employments__industry")


def worker_tombstones(request, filters: FeedFilters) -> QuerySet:
    """A worker's tombstone carries only its id: it goes to every feed of the worker's township whatever
    the industry or year filter (and to industry departments), so no synced copy is left behind."""
    qs = Tombstone.objects.filter(kind=Tombstone.Kind.WORKER)
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.updated_since:
        qs = qs.filter(deleted_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="township", industry_field=None)
