from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The project package as an app: worker heartbeat, schedules, health and start-up checks."""

    name = "config"
    label = "platform"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the system checks)
        from config.logs import carry_request_id_into_tasks
        from config.metrics import count_task_outcomes
        from config.tracing import tracing_setup

        carry_request_id_into_tasks()
        count_task_outcomes()
        tracing_setup()
