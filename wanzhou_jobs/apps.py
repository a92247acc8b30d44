from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project package as an app only so that its system checks are registered (`ready`)."""

    name = "wanzhou_jobs"
    verbose_name = "万州区农民工就近就业目标管理系统"

    def ready(self):
        from . import checks  # noqa: F401 - registers the checks
