"""REST API of org units and progress (DESIGN.md §6): /api/v1/progress/, /townships/, /industries/; and the
writes behind the `create_api_client` / `revoke_api_client` commands.

Progress numbers are the dashboard's: `selectors_dashboard.dashboard_progress` returns the stored snapshot
of the year, or — for an explicit `as_of` other than the snapshot's — one built live by the same engine.
The response keeps exactly the contract's keys. A staff session sees the township and industry rows its
scope allows (`targets.scoping`); district totals are aggregates and shown to every authorised caller.

A package because one file passed ~400 lines (STYLE.md): `clients` (the client writes), `schema` (the
documentation serializers and examples), `progress` and `reference` (the endpoints, one module per OpenAPI
tag) and `urls`, with the plan years they share in `_common`. Every public name is re-exported here, so
`include("targets.api")` in `wanzhou_jobs/urls.py` and `from targets.api import api_client_create` keep
working.
"""

from .clients import (
    CLIENT_DAYS_INVALID,
    CLIENT_NAME_REQUIRED,
    CLIENT_NAME_TAKEN,
    CLIENT_RATE_INVALID,
    CLIENT_UNKNOWN,
    api_client_create,
    api_client_revoke,
)
from .progress import (
    AS_OF_INVALID,
    DISTRICT_KEYS,
    UNIT_KEYS,
    YEAR_INVALID,
    YEAR_REQUIRED,
    YEAR_UNKNOWN,
    ProgressView,
)
from .reference import IndustryListView, TownshipListView
from .schema import (
    COUNT_HELP,
    INDUSTRIES_EXAMPLE,
    PROGRESS_EXAMPLE,
    RATE_HELP,
    TARGET_HELP,
    TOWNSHIPS_EXAMPLE,
    DistrictProgressSerializer,
    IndustryListSerializer,
    IndustryProgressSerializer,
    IndustrySerializer,
    ProgressSerializer,
    TownshipListSerializer,
    TownshipSerializer,
    UnitProgressSerializer,
    YearTargetSerializer,
)
from .urls import app_name, urlpatterns

__all__ = [
    "AS_OF_INVALID",
    "CLIENT_DAYS_INVALID",
    "CLIENT_NAME_REQUIRED",
    "CLIENT_NAME_TAKEN",
    "CLIENT_RATE_INVALID",
    "CLIENT_UNKNOWN",
    "COUNT_HELP",
    "DISTRICT_KEYS",
    "INDUSTRIES_EXAMPLE",
    "PROGRESS_EXAMPLE",
    "RATE_HELP",
    "TARGET_HELP",
    "TOWNSHIPS_EXAMPLE",
    "UNIT_KEYS",
    "YEAR_INVALID",
    "YEAR_REQUIRED",
    "YEAR_UNKNOWN",
    "DistrictProgressSerializer",
    "IndustryListSerializer",
    "IndustryListView",
    "IndustryProgressSerializer",
    "IndustrySerializer",
    "ProgressSerializer",
    "ProgressView",
    "TownshipListSerializer",
    "TownshipListView",
    "TownshipSerializer",
    "UnitProgressSerializer",
    "YearTargetSerializer",
    "api_client_create",
    "api_client_revoke",
    "app_name",
    "urlpatterns",
]
