"""Township scoping for the Django admin: the doors Django leaves open even when the change list is scoped.

Django 5.2's admin filters nothing by itself: foreign-key dropdowns and their validation use the default
manager, related list filters list every township's values, raw-id widgets print any object's name, and
lookups such as ``?id_number__regex=`` probe data (THREATS.md A1–A13). `ScopedAdminMixin` closes them
through `targets.scoping`:

* the change list, change form, history, delete and actions all start from `get_queryset`, which is scoped;
* foreign keys to townships offer only writable townships; other foreign keys named in `scoped_relations`
  are limited to what the user may see;
* only the lookups of `list_filter`/`date_hierarchy` are allowed in the query string, so a crafted
  ``?field__regex=`` or ``?created_by__password__startswith=`` is refused (400);
* objects outside the user's writable scope are read-only, and read-only roles never get write buttons.

At city scale (issue 27) a list's query stays a plain, scoped queryset: figures per row (a worker's job
count) are computed for the page's rows only (`annotate_page`), an unfiltered list of a big table shows the
planner's estimate instead of counting every row, and the township filter lists the user's townships
instead of scanning the list for distinct values.
"""

from datetime import date

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, Model
from django.utils.functional import cached_property

from .models import Township
from .scoping import scope_for, scope_queryset, visible_townships, writable_townships

_FILTER_SUFFIXES = ("exact", "isnull", "gte", "gt", "lte", "lt", "in", "id__exact", "pk__exact", "id__in")
#: The date hierarchy's links (``?start_date__year=2025&start_date__month=3``), for its field only.
_DATE_HIERARCHY_SUFFIXES = ("year", "month", "day")


#: Below this many rows (planner's estimate) an unfiltered list is counted exactly.
ESTIMATE_COUNT_FROM = 100_000


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL, an unfiltered list of a big table takes its count from the planner's statistics
    (pg_class.reltuples, kept by autovacuum) instead of reading every row; a filtered list, a small table
    and SQLite count exactly."""

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where and not query.distinct and not query.combinator:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                        [connection.ops.quote_name(queryset.model._meta.db_table)],
                    )
                    row = cursor.fetchone()
                if row and row[0] >= ESTIMATE_COUNT_FROM:
                    self.estimated = True
                    return row[0]
        return super().count

    estimated = False

    def page(self, number):
        """A page in the second half of a long list is read from its end: the order reversed, the rows
        counted back from the last one, so the last page costs what the first does instead of skipping a
        million rows (issue 27: the job list's last page took 7 s at 1M employments). That needs the exact
        count, taken then for an estimated one."""
        number = self.validate_number(number)
        queryset = self.object_list
        bottom = (number - 1) * self.per_page
        if bottom <= self.per_page or not getattr(queryset, "ordered", False) or bottom * 2 < self.count:
            return super().page(number)
        if self.estimated:
            self.__dict__["count"] = queryset.count()
            self.__dict__.pop("num_pages", None)
            self.estimated = False
            number = min(number, self.num_pages)
            bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = list(queryset.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        return self._get_page(rows, number, self)


class _YearsFromEnds:
    """The change list's queryset as the date hierarchy's template tag reads it: its first level (the years)
    comes from the earliest and the latest date — two probes of the date's index — instead of a DISTINCT
    over every row of the list (issue 27: 290 ms for a clerk's 80,000 jobs at 1M employments); months and
    days, under a year's filter, are read as Django reads them. Everything else is the queryset itself."""

    def __init__(self, queryset):
        self._queryset = queryset

    def __getattr__(self, name):
        return getattr(self._queryset, name)

    def dates(self, field_name, kind, order="ASC"):
        if kind != "year":
            return self._queryset.dates(field_name, kind, order)
        ends = self._queryset.aggregate(first=Min(field_name), last=Max(field_name))
        if ends["first"] is None:
            return []
        years = [date(y, 1, 1) for y in range(ends["first"].year, ends["last"].year + 1)]
        return years if order == "ASC" else years[::-1]


class PageRowsChangeList(ChangeList):
    """A change list whose per-row figures are computed for the rows of the page only."""

    def get_results(self, request):
        super().get_results(request)
        # Evaluating the page fills its result cache: the template iterates these very instances.
        self.model_admin.annotate_page(request, list(self.result_list))
        if self.date_hierarchy:
            self.queryset = _YearsFromEnds(self.queryset)


class ScopedTownshipFilter(admin.RelatedFieldListFilter):
    """The townships the user may see (a clerk: just their own), without reading the list to find them."""

    def field_choices(self, field, request, model_admin):
        return [(t.pk, str(t)) for t in visible_townships(request.user).order_by("code")]


class ScopedAdminMixin:
    #: Lookup path from the model to its Township (None: the model is not township-owned).
    scope_township_field: str | None = "township"
    #: Lookup path from the model to its Industry, for industry-department users (None: not filtered).
    scope_industry_field: str | None = None
    #: Foreign-key field name → (model admin path to the township of the related object).
    scoped_relations: dict[str, str] = {}
    #: Query-string lookups allowed besides those of list_filter (e.g. the autocomplete's).
    extra_allowed_lookups: tuple[str, ...] = ()
    #: "N results (M total)" would count the whole scoped table on every filtered page.
    show_full_result_count = False
    #: Facet counts run one count per filter choice over the whole list (minutes at 513k people).
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator

    def get_changelist(self, request, **kwargs):
        return PageRowsChangeList

    def annotate_page(self, request, rows: list) -> None:
        """Set per-row figures on the page's `rows` (one grouped query for the page, never per row)."""

    def get_queryset(self, request):
        return scope_queryset(
            super().get_queryset(request),
            request.user,
            township_field=self.scope_township_field,
            industry_field=self.scope_industry_field,
        )

    def writable_queryset(self, request):
        return scope_queryset(
            super().get_queryset(request),
            request.user,
            township_field=self.scope_township_field,
            industry_field=self.scope_industry_field,
            write=True,
        )

    def _obj_writable(self, request, obj: Model | None) -> bool:
        if not scope_for(request.user).can_write:
            return False
        if obj is None:
            return True
        return self.writable_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request, *args):
        return scope_for(request.user).can_write and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._obj_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._obj_writable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Township and db_field.name == "township":
            kwargs["queryset"] = writable_townships(request.user)
        elif db_field.name in self.scoped_relations:
            kwargs["queryset"] = scope_queryset(
                db_field.related_model._default_manager.all(),
                request.user,
                township_field=self.scoped_relations[db_field.name],
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def lookup_allowed(self, lookup, value, request=None):
        allowed = set(self.extra_allowed_lookups)
        for item in self.list_filter:
            name = item[0] if isinstance(item, tuple | list) else item
            if isinstance(name, str):
                allowed.add(name)
            elif hasattr(name, "parameter_name"):
                allowed.add(name.parameter_name)
        if self.date_hierarchy:
            allowed.add(self.date_hierarchy)
            if lookup in {f"{self.date_hierarchy}__{s}" for s in _DATE_HIERARCHY_SUFFIXES}:
                return True
        # Exactly the parameters Django's own filters generate (`township__id__exact`, `created_at__gte`…);
        # anything else (`__regex`, `__startswith`, a path through a relation) is refused with a 400.
        return any(lookup == name or lookup in {f"{name}__{s}" for s in _FILTER_SUFFIXES} for name in allowed)


class ScopedInlineMixin:
    """Inlines live inside a scoped parent; their foreign keys are scoped the same way."""

    scoped_relations: dict[str, str] = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_relations:
            kwargs["queryset"] = scope_queryset(
                db_field.related_model._default_manager.all(),
                request.user,
                township_field=self.scoped_relations[db_field.name],
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return scope_for(request.user).can_write and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return scope_for(request.user).can_write and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return scope_for(request.user).can_write and super().has_delete_permission(request, obj)


class ScopedValuesFilter(admin.SimpleListFilter):
    """A list filter whose choices are the distinct values of a field within the user's scope only."""

    field_name = ""

    def lookups(self, request, model_admin):
        values = (
            model_admin.get_queryset(request)
            .exclude(**{self.field_name: ""})
            .order_by(self.field_name)
            .values_list(self.field_name, flat=True)
            .distinct()[:200]
        )
        return [(v, v) for v in values]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field_name: self.value()})
        return queryset
