"""Subsidy pages: the township's applications, the reviewers' queue with bulk actions, one application with
its ledger record, earlier subsidies and remaining caps, the workflow moves (each confirmed first), attachments,
the public notice, the summary and the .xlsx exports.

Thin: parse input → selector/service → render. Every application is looked up through
`selectors.applications_for(user)`, so another township's application is a 404 for a clerk, whatever the URL;
every move goes through the service of that move, which checks role, scope and four eyes again. A package
because one file passed ~400 lines (STYLE.md): `applications`, `moves`, `attachments`, `review`, `notice` and
`reports`, with what they share in `_common`; `urls.py` keeps using `views.<name>` through these re-exports.

| page / action          | clerk            | reviewer | bureau | industry, no assignment |
|------------------------|------------------|----------|--------|-------------------------|
| list, detail, notice   | own township     | all      | all    | 403                     |
| create, edit, upload   | own township     | —        | all    | 403                     |
| review queue, bulk     | —                | all      | all    | 403                     |
| summary, totals .xlsx  | own township     | all      | all    | 403                     |
| payment list .xlsx     | —                | —        | yes    | 403                     |
"""

from ._common import NO_SUBSIDIES, PER_PAGE, XLSX, Action
from .applications import (
    READ_ONLY,
    application_create,
    application_detail,
    application_edit,
    application_list,
    application_new,
)
from .attachments import attachment_delete, attachment_download, attachment_upload
from .moves import MOVES, application_move, available_moves
from .notice import notice
from .reports import ONLY_BUREAU, payment_export, summary, totals_export
from .review import BULK_ACTIONS, ONLY_REVIEWERS, review_queue

__all__ = [
    "BULK_ACTIONS",
    "MOVES",
    "NO_SUBSIDIES",
    "ONLY_BUREAU",
    "ONLY_REVIEWERS",
    "PER_PAGE",
    "READ_ONLY",
    "XLSX",
    "Action",
    "application_create",
    "application_detail",
    "application_edit",
    "application_list",
    "application_move",
    "application_new",
    "attachment_delete",
    "attachment_download",
    "attachment_upload",
    "available_moves",
    "notice",
    "payment_export",
    "review_queue",
    "summary",
    "totals_export",
]
