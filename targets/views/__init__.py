"""Progress pages: the district dashboard, one township's, one industry's, the people behind every count
and the monthly briefing (.xlsx).

Thin: parse the query, check role and scope, read `targets.selectors_dashboard`, render. Who may open what:

| page                | bureau / superuser | clerk                    | industry department         |
|---------------------|--------------------|--------------------------|-----------------------------|
| district dashboard  | yes                | → own township page      | → own industry page         |
| township page       | any                | own only (else 404)      | 403                         |
| industry page       | any                | 403                      | own industries (else 404)   |
| people list         | all                | own township (else 404)  | own industries (else 404)   |
| briefing .xlsx      | yes                | 403                      | 403                         |

Reviewers get 403; a user without an assignment gets the "no assignment" page (403).

A package because one file passed ~400 lines (STYLE.md): `dashboards` (district, township and industry
pages, with the page cache), `people_list`, `exports` (the briefing) and `audit_search` (the audit log page),
with what they share in `_common`; `urls.py` keeps using `views.<name>` through these re-exports.
"""

from ._common import NO_DASHBOARD, NOT_FOR_INDUSTRY, ONLY_BUREAU, ONLY_BUREAU_OR_INDUSTRY
from .audit_search import AUDIT_ONLY_BUREAU, AUDIT_PER_PAGE, audit_log
from .dashboards import PAGE_CACHE_SECONDS, dashboard, industry_dashboard, township_dashboard
from .exports import XLSX, briefing
from .people_list import PEOPLE_PER_PAGE, people

__all__ = [
    "AUDIT_ONLY_BUREAU",
    "AUDIT_PER_PAGE",
    "NOT_FOR_INDUSTRY",
    "NO_DASHBOARD",
    "ONLY_BUREAU",
    "ONLY_BUREAU_OR_INDUSTRY",
    "PAGE_CACHE_SECONDS",
    "PEOPLE_PER_PAGE",
    "XLSX",
    "audit_log",
    "briefing",
    "dashboard",
    "industry_dashboard",
    "people",
    "township_dashboard",
]
