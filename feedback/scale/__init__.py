"""Member voice at full size: surveys, initiatives and the assistant's questions.

``seed`` is feedback's ``scale_seed`` (members.management.scale): it reads the
register from the database (``rows.Register``) and writes with COPY, every
draw from ``scale.rng(part)``, every date from ``scale.today``. One module a
topic (``surveys``, ``initiatives``, ``assistant``); each part runs in one
transaction and is found again by a key of its own (the needs survey's title,
the initiatives' and questions' form keys), so a second run writes nothing.
Rows are those the services store, side records apart: no audit events and
no notifications are written for this history.
"""

import time

from django.db import transaction

from feedback.scale.assistant import seed_assistant
from feedback.scale.initiatives import seed_initiatives
from feedback.scale.rows import Register
from feedback.scale.surveys import seed_surveys

__all__ = ["seed"]

# The seed --------------------------------------------------------------------------


def seed(*, scale, people) -> str:
    """Seed surveys, initiatives and questions at ``scale``; return a line."""
    register = Register.read(admin_id=people.admin.pk)
    lines = []
    for part in (seed_surveys, seed_initiatives, seed_assistant):
        started = time.perf_counter()
        with transaction.atomic():
            line = part(scale=scale, register=register, people=people)
        lines.append(f"{line} ({time.perf_counter() - started:.1f} s)")
    return "Member voice at scale: " + "; ".join(lines)
