"""Why a move the workflow table allows would still be refused now, for the buttons (issue 18, item 8).

The services check these again when the move is made; this module only lets a page show a button that
would be refused as disabled, with the reason, instead of a button that answers with an error. The
reasons are the services' own messages: the four-eyes rules and the notice period.
"""

from django.utils import timezone

from ..models import Application
from .payments import NOTICE_NOT_OVER, OWN_APPROVAL_PAY
from .review import OWN_SUBMISSION, OWN_TOWNSHIP_REVIEW
from .workflow import Action


def move_blocker(user, application: Application, action: str) -> str | None:
    """The message the service would refuse `action` with for `user` now, or None."""
    submitter = application.submitted_by_id == user.pk
    if action in (Action.TOWNSHIP_APPROVE, Action.DISTRICT_APPROVE, Action.REJECT) and submitter:
        return str(OWN_SUBMISSION)
    if action == Action.DISTRICT_APPROVE and application.township_reviewed_by_id == user.pk:
        return str(OWN_TOWNSHIP_REVIEW)
    if action == Action.NOTICE_END and (
        application.notice_end is None or timezone.localdate() <= application.notice_end
    ):
        return str(NOTICE_NOT_OVER.format(end=application.notice_end))
    if action == Action.PAY and user.pk in (application.submitted_by_id, application.district_reviewed_by_id):
        return str(OWN_APPROVAL_PAY)
    return None
