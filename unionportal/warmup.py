"""Work a web process would otherwise do on its first request, done once before forking.

An app declares ``warm_up = "<app>.<module>.<function>"`` on its AppConfig: a
function of no arguments that builds what its pages keep in memory (the
assistant's search index: about two seconds). Gunicorn's master calls
``apps_warm_up`` after loading the portal (``preload_app``) and before
forking its workers, so every worker, a replaced one included, starts with it
built and shares its memory.
"""

import logging

from django.apps import apps
from django.db import connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def apps_warm_up() -> list[str]:
    """Call every app's warm-up; return the names of those that ran.

    A warm-up that fails is logged, never raised: the pages build what it
    would have on their first request. The database connections the warm-ups
    opened are closed, so that no forked worker shares one.
    """
    done = []
    try:
        for config in apps.get_app_configs():
            path = getattr(config, "warm_up", None)
            if not path:
                continue
            try:
                import_string(path)()
            except Exception:
                log.exception("warm-up %s failed; its first request will do it", path)
            else:
                done.append(path)
    finally:
        connections.close_all()
    return done
