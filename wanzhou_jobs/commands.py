"""Base class for management commands: bad arguments end in one Chinese line and a non-zero exit, never a
traceback (DESIGN.md §8)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc.args[0]) if getattr(exc, "args", None) else str(exc)


class DomainCommand(BaseCommand):
    """Subclasses implement `run(**options)`; domain errors become `CommandError` with their message."""

    def handle(self, *args, **options):
        from targets.audit import DOOR_COMMAND, audit_context

        try:
            with audit_context(door=DOOR_COMMAND):
                return self.run(*args, **options)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(error_text(exc)) from None

    def run(self, *args, **options):  # pragma: no cover - abstract
        raise NotImplementedError
