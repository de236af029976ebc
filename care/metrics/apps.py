from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """The supervisors' dashboard: rollups Celery keeps current, and the figures."""

    name = "care.metrics"
    label = "metrics"
    verbose_name = _("Metrics")
    default_auto_field = "django.db.models.BigAutoField"
