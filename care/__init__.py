"""care: the project, and what inbox/ and responses/ share."""

# Load the Celery app with Django, so @shared_task binds to it.
from care.celery import app as celery_app

__all__ = ("celery_app",)
