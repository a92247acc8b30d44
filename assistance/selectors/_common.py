"""Shared pieces of the assistance reads: the optional township filter every count and list accepts
(`township_ids` None means the whole district, otherwise the ids the caller's scope allows).
"""

from django.db.models import QuerySet


def _ids_filter(queryset: QuerySet, township_ids, path: str) -> QuerySet:
    if township_ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": list(township_ids)})
