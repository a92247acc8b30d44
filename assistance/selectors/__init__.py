"""Reads of employment assistance (issue 9), as set-based queries: the same answers on SQLite and PostgreSQL.

Each module opens with its rules, each tested against hand-counted cases in tests/test_selectors.py:
`routine` (1131 status and completion rates), `household_rule` (subject and 零就业 households),
`welfare_posts`, `training`, `recruitment` (events), `brands` (labour brands and gig markets) and
`key_tasks`, the board that arranges all of them against their targets. This package re-exports them, so
callers keep writing `selectors.routine_people(...)`.
"""

from .brands import (
    GENERIC_GIG_CHANNEL,
    brand_channels,
    carrier_channels,
    channel_employments,
    channel_people,
    gig_market_count,
)
from .follow_up import LOST_WORK_DAYS, follow_up_people
from .household_rule import household_rule_rates, subject_households, zero_employment_households
from .intentions import intention_terms, push_matches, pushes_against_intentions, wish_label, with_intention
from .key_tasks import DRILL_DOWN, key_task_board
from .pension import PensionAmounts, pension_amounts, pension_people
from .recruitment import event_count
from .registers import register_counts
from .routine import (
    complete_workers,
    enrolled_between,
    routine_missing,
    routine_people,
    routine_rates,
    with_open_enrolment,
    worklist,
)
from .training import TrainingFigures, completed_participations, courses, training_figures
from .welfare_posts import LONG_TENURE_MONTHS, long_tenure_since, post_holders, posts, tenure_months

__all__ = [
    # registers
    "register_counts",
    # routine
    "enrolled_between",
    "routine_people",
    "routine_missing",
    "worklist",
    "routine_rates",
    "complete_workers",
    "with_open_enrolment",
    # follow_up
    "LOST_WORK_DAYS",
    "follow_up_people",
    # intentions
    "with_intention",
    "intention_terms",
    "push_matches",
    "pushes_against_intentions",
    "wish_label",
    # pension
    "PensionAmounts",
    "pension_amounts",
    "pension_people",
    # household_rule
    "subject_households",
    "zero_employment_households",
    "household_rule_rates",
    # welfare_posts
    "LONG_TENURE_MONTHS",
    "long_tenure_since",
    "posts",
    "tenure_months",
    "post_holders",
    # training
    "completed_participations",
    "TrainingFigures",
    "training_figures",
    "courses",
    # recruitment
    "event_count",
    # brands
    "GENERIC_GIG_CHANNEL",
    "channel_employments",
    "channel_people",
    "brand_channels",
    "carrier_channels",
    "gig_market_count",
    # key_tasks
    "DRILL_DOWN",
    "key_task_board",
]
