"""Gunicorn's settings for the portal: ``gunicorn -c unionportal/gunicorn_conf.py``.

Every value can be set from the environment, so one file serves a laptop, the
load test and each production web node (docs/deploy.md):

- ``WEB_BIND`` (default ``127.0.0.1:8000``; a node behind a proxy binds
  ``0.0.0.0:8000``), or ``WEB_PORT`` alone;
- ``WEB_CONCURRENCY``: worker processes; by default two a CPU plus one, the
  usual figure for a web app that waits on its database, at most 16;
- ``WEB_THREADS`` (default 2): threads a worker, so a slow client or a video
  range request does not hold a whole process;
- ``WEB_TIMEOUT`` (default 30 s): a request running longer is killed and
  logged; long work belongs to the Celery workers;
- ``WEB_MAX_REQUESTS`` (default 2000, with jitter): a worker is replaced
  after that many requests, so that no slow leak grows without end.

The master loads the portal once (``preload_app``) and, before forking, runs
each app's warm-up (``unionportal.warmup``: the assistant's index), so no
worker's first request pays for it.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def workers_default(cpus: int) -> int:
    """Two workers a CPU plus one, at least 2 and at most 16."""
    return max(2, min(16, 2 * cpus + 1))


bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{_int('WEB_PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", workers_default(multiprocessing.cpu_count()))
threads = _int("WEB_THREADS", 2)
worker_class = "gthread"
timeout = _int("WEB_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
max_requests = _int("WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# The app is loaded once in the master, then forked: less memory a worker.
preload_app = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# The time each request took, in microseconds (%(D)s), for the access log.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
# Only the local reverse proxy may say what the scheme was (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Before the first fork: build what the apps keep in memory (warm_up)."""
    from unionportal.warmup import apps_warm_up

    done = apps_warm_up()
    server.log.info("warmed up before forking: %s", ", ".join(done) or "nothing")
