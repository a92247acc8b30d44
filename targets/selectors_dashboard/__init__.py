"""Reads behind the progress dashboards, the people drill-down and the monthly briefing (通报表).

Every number shown comes from a progress snapshot (`targets.progress`, DESIGN.md §4.3–4.7 and §7): the
stored one of the year, or — for an explicit as-of date other than the snapshot's — one built live by the
same engine. This package only arranges those numbers (sorting, filtering, chart series, formatting) and
lists the people behind a count through `workers.selectors.nearby_counted_workers`, always scoped by
`targets.scoping`. Nothing here writes.

`inputs` parses the query, `numbers` holds the snapshot and its tables, `charts` the chart series and month
tables, `people` the drill-down and `briefing` the .xlsx briefing. Every name is re-exported here, so
`targets.selectors_dashboard.X` keeps working.
"""

from .briefing import briefing_filename, briefing_workbook
from .charts import completion_chart, month_rows, trend_chart
from .inputs import (
    AS_OF_CLAMPED,
    AS_OF_INVALID,
    MONTH_INVALID,
    parse_as_of,
    parse_month,
    parse_year,
    plan_years,
)
from .numbers import (
    DASH,
    STATUS_LABELS,
    TOWNSHIP_SORTS,
    DashboardProgress,
    cumulative_summary,
    dashboard_progress,
    decorate,
    headline,
    industry_rows,
    lagging_counts,
    months_left,
    number,
    parse_sort,
    pct,
    ranked_count,
    sector_rows,
    status_of,
    township_row,
    township_rows,
)
from .people import counted_people

__all__ = [
    # inputs
    "AS_OF_CLAMPED",
    "AS_OF_INVALID",
    "MONTH_INVALID",
    "parse_as_of",
    "parse_month",
    "parse_year",
    "plan_years",
    # numbers
    "DASH",
    "STATUS_LABELS",
    "TOWNSHIP_SORTS",
    "DashboardProgress",
    "cumulative_summary",
    "dashboard_progress",
    "decorate",
    "headline",
    "industry_rows",
    "lagging_counts",
    "months_left",
    "number",
    "parse_sort",
    "pct",
    "ranked_count",
    "sector_rows",
    "status_of",
    "township_row",
    "township_rows",
    # charts
    "completion_chart",
    "month_rows",
    "trend_chart",
    # people
    "counted_people",
    # briefing
    "briefing_filename",
    "briefing_workbook",
]
