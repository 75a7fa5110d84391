"""Tasks of the portal shell."""

from celery import shared_task

from unionportal.health import heartbeat_record


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self) -> None:
    """Record a heartbeat for /healthz; beat schedules it every 30 seconds."""
    heartbeat_record(hostname=self.request.hostname or "eager")
