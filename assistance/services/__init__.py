"""Every write of employment assistance (issue 9). Forms, the admin and the spreadsheet import call these.

Each function checks township scoping for the acting user (`targets.scoping`), validates with a Chinese
message the clerk can act on, and changes nothing when it refuses (one transaction). Writes that must not
race for one person (enrolment, posts) lock the worker row first, so two clerks cannot both succeed. The
writes live by subject — `enrolment`, `routine` ("1131" service records), `welfare_posts`, `training`,
`recruitment` (events), `brands` (labour brands and gig markets) — over the shared checks of `_common`;
this package re-exports them, so callers keep writing `services.post_assign(...)`.
"""

from ._common import DATE_IN_FUTURE, FIELD_TOO_LONG, NAME_REQUIRED, ONLY_BUREAU
from .brands import (
    BRAND_EXISTS,
    CARRIER_EXISTS,
    CARRIER_KIND_INVALID,
    PLAN_BRANDS,
    brand_save,
    brands_load,
    carrier_save,
    carriers_load,
)
from .enrolment import (
    ALREADY_ENROLLED,
    ALREADY_EXITED,
    CATEGORY_INVALID,
    ENTRY_BEFORE_LAST_EXIT,
    ENTRY_REASON_REQUIRED,
    EXIT_BEFORE_ENTRY,
    EXIT_NOTE_REQUIRED,
    EXIT_REASON_INVALID,
    FOLLOW_UP_MONTHS_INVALID,
    default_follow_up_months,
    enrolled_on,
    enrolment_enter,
    enrolment_exit,
)
from .follow_up import (
    FOLLOW_UP_DATE_OUTSIDE,
    FOLLOW_UP_NOTE_REQUIRED,
    NOT_EXITED,
    NOT_IN_FOLLOW_UP,
    follow_up_record,
)
from .intentions import INTENTION_SAME_DAY, WISH_INVALID, intention_record
from .pension import PENSION_SHARE_TOO_LOW, PENSION_TIER_INVALID, pension_standard_set
from .recognition import (
    ALREADY_RECOGNISED,
    BASIS_REQUIRED,
    GRADE_NOT_FOR_KIND,
    GRADE_REQUIRED,
    NO_STANDARD,
    RECOGNITION_KIND_INVALID,
    difficulty_standard_set,
    recognition_end,
    recognition_record,
)
from .recruitment import COUNT_NEGATIVE, EVENT_MODE_INVALID, HIRES_EXCEED_ATTENDEES, event_record
from .registers import (
    HEALTH_CHECK_DUPLICATE,
    REGISTER_DUPLICATE,
    REGISTER_KIND_INVALID,
    health_check_record,
    register_save,
)
from .routine import (
    JOB_PUSH_NEEDS_POST,
    NOT_ENROLLED_ON,
    PROVIDER_REQUIRED,
    SERVICE_DUPLICATE,
    SERVICE_KIND_INVALID,
    service_check,
    service_delete,
    service_record,
)
from .training import (
    CERTIFICATE_NEEDS_COMPLETION,
    COMPLETE_BEFORE_END,
    COURSE_END_BEFORE_START,
    COURSE_KIND_INVALID,
    FOLLOW_UP_MONTHS,
    PARTICIPANT_DUPLICATE,
    course_save,
    ensure_course_visible,
    follow_up_until,
    participant_add,
    participant_update,
)
from .welfare_posts import (
    POST_ALREADY_ENDED,
    POST_END_BEFORE_START,
    POST_KIND_INVALID,
    POST_OTHER_NEEDS_TITLE,
    POST_OVERLAP,
    POST_SUBSIDY_NEGATIVE,
    post_assign,
    post_end,
)

__all__ = [
    # enrolment
    "ALREADY_ENROLLED",
    "ENTRY_BEFORE_LAST_EXIT",
    "ENTRY_REASON_REQUIRED",
    "CATEGORY_INVALID",
    "ALREADY_EXITED",
    "EXIT_BEFORE_ENTRY",
    "EXIT_REASON_INVALID",
    "EXIT_NOTE_REQUIRED",
    "enrolment_enter",
    "enrolment_exit",
    "enrolled_on",
    "FOLLOW_UP_MONTHS_INVALID",
    "default_follow_up_months",
    # follow_up
    "NOT_EXITED",
    "NOT_IN_FOLLOW_UP",
    "FOLLOW_UP_DATE_OUTSIDE",
    "FOLLOW_UP_NOTE_REQUIRED",
    "follow_up_record",
    # intentions
    "WISH_INVALID",
    "INTENTION_SAME_DAY",
    "intention_record",
    # pension
    "PENSION_TIER_INVALID",
    "PENSION_SHARE_TOO_LOW",
    "pension_standard_set",
    # recognition
    "RECOGNITION_KIND_INVALID",
    "GRADE_REQUIRED",
    "GRADE_NOT_FOR_KIND",
    "BASIS_REQUIRED",
    "NO_STANDARD",
    "ALREADY_RECOGNISED",
    "difficulty_standard_set",
    "recognition_record",
    "recognition_end",
    # registers
    "REGISTER_KIND_INVALID",
    "REGISTER_DUPLICATE",
    "HEALTH_CHECK_DUPLICATE",
    "register_save",
    "health_check_record",
    # routine
    "NOT_ENROLLED_ON",
    "SERVICE_KIND_INVALID",
    "JOB_PUSH_NEEDS_POST",
    "PROVIDER_REQUIRED",
    "SERVICE_DUPLICATE",
    "service_check",
    "service_record",
    "service_delete",
    # welfare_posts
    "POST_KIND_INVALID",
    "POST_OTHER_NEEDS_TITLE",
    "POST_END_BEFORE_START",
    "POST_SUBSIDY_NEGATIVE",
    "POST_OVERLAP",
    "POST_ALREADY_ENDED",
    "post_assign",
    "post_end",
    # training
    "FOLLOW_UP_MONTHS",
    "COURSE_END_BEFORE_START",
    "COURSE_KIND_INVALID",
    "PARTICIPANT_DUPLICATE",
    "COMPLETE_BEFORE_END",
    "CERTIFICATE_NEEDS_COMPLETION",
    "follow_up_until",
    "course_save",
    "ensure_course_visible",
    "participant_add",
    "participant_update",
    # recruitment
    "EVENT_MODE_INVALID",
    "HIRES_EXCEED_ATTENDEES",
    "COUNT_NEGATIVE",
    "event_record",
    # brands
    "BRAND_EXISTS",
    "CARRIER_EXISTS",
    "CARRIER_KIND_INVALID",
    "brand_save",
    "carrier_save",
    "carriers_load",
    "PLAN_BRANDS",
    "brands_load",
    # _common
    "ONLY_BUREAU",
    "DATE_IN_FUTURE",
    "NAME_REQUIRED",
    "FIELD_TOO_LONG",
]
