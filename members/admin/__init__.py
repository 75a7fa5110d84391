"""Admin of the members app: one module a topic, each registered on import.

Django's admin autodiscovery imports ``members.admin``; importing the topic
modules here registers their model admins.
"""

from members.admin import (  # noqa: F401
    care,
    consultations,
    hrm_review,
    imports,
    notifications,
    picture,
    privacy,
    programmes,
    register,
    transfers,
)
