"""Pages of employment assistance (issue 9). Thin: parse input, check role and scope, call a selector or a
service, render. Who may open what:

| page                                    | bureau / superuser | clerk                  | industry, reviewer |
|-----------------------------------------|--------------------|------------------------|--------------------|
| worklist, person, households, posts     | all townships      | own township (else 404)| 403                |
| 1131 and household rates per township   | all                | own township row       | 403                |
| courses, events (lists)                 | all                | own + district         | 403                |
| key-task board, brand/gig drill-down    | yes                | 403                    | 403                |
| exports (.xlsx, ID numbers masked)      | as the list        | as the list            | 403                |

A person, household, post or course outside the user's scope is a 404 (no existence oracle); a write outside
it is refused by the service (403).

The pages live by subject — `routine` (index, worklist, 1131 services), `enrolment` (people, one person),
`household_rule` (households, rates), `welfare_posts`, `training`, `recruitment` (events) and `key_tasks`
(board, channels) — over the shared helpers of `_common`; this package re-exports every view, so
`assistance/urls.py` keeps writing `views.worklist`.
"""

from ._common import NOT_FOR_ROLE, ONLY_BUREAU_PAGE, PER_PAGE, PERSON_NOT_FOUND, YEARS
from .enrolment import enrol, enrolment_exit, health_check_add, intention_add, people, person
from .follow_up import follow_up, follow_up_add
from .household_rule import households, rates
from .key_tasks import board, channels
from .pension import pension, pension_agency
from .recognition import recognition_add, recognition_end
from .recruitment import events
from .routine import index, service_add, service_delete, services_import, worklist
from .training import course, course_import, course_new, courses, participant_update
from .welfare_posts import post_end, post_new, posts

__all__ = [
    # routine
    "index",
    "worklist",
    "service_add",
    "service_delete",
    "services_import",
    # enrolment
    "people",
    "person",
    "enrol",
    "enrolment_exit",
    "intention_add",
    "health_check_add",
    # follow_up
    "follow_up",
    "follow_up_add",
    # pension
    "pension",
    "pension_agency",
    # recognition
    "recognition_add",
    "recognition_end",
    # household_rule
    "households",
    "rates",
    # welfare_posts
    "posts",
    "post_new",
    "post_end",
    # training
    "courses",
    "course_new",
    "course",
    "participant_update",
    "course_import",
    # recruitment
    "events",
    # key_tasks
    "board",
    "channels",
    # _common
    "PER_PAGE",
    "NOT_FOR_ROLE",
    "ONLY_BUREAU_PAGE",
    "PERSON_NOT_FOUND",
    "YEARS",
]
