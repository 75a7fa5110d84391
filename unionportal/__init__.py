"""Union Portal: settings, URLs, the Celery app and the portal home."""

from unionportal.celery import app as celery_app

__all__ = ("celery_app",)
