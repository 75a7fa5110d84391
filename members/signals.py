"""Events one app sends and other apps receive, declared once, here.

Where one app must react to another (a recognised initiative earns XP and a
badge in ``learning``), the sender sends an event declared below and the
receiver connects to it in its own ``receivers.py``: no app imports another
sideways, and the event's name says what happened.

Each event declares the keyword arguments every sending carries, besides
``sender`` (the model class of the record it is about). Sending with one
missing or one more raises TypeError at the sender, so a receiver may count
on them. Arguments are ids and plain values, never model instances, so that
a receiver may hand them to a Celery task as they are.

The sender sends from its service, once the transaction has committed, so
that no receiver hears of a write that was rolled back::

    transaction.on_commit(
        lambda: initiative_recognised.send_robust(
            sender=Initiative,
            initiative_id=initiative.pk,
            member_id=initiative.member_id,
            benefit_vnd=initiative.benefit_vnd,
            recognised_on=initiative.recognised_on,
        )
    )

A receiver may hear the same event twice (a retried task sends again): what
it records must be keyed so that the second time changes nothing (the XP
ledger's unique source, a notification's dedupe key).
"""

from django.dispatch import Signal


class Event(Signal):
    """A signal whose every sending carries exactly the declared keyword arguments."""

    def __init__(self, *arguments: str):
        super().__init__()
        self.arguments = frozenset(arguments)

    def _check(self, named: dict) -> None:
        given = set(named)
        if given != self.arguments:
            missing = ", ".join(sorted(self.arguments - given)) or "none"
            unknown = ", ".join(sorted(given - self.arguments)) or "none"
            raise TypeError(
                f"This event takes {', '.join(sorted(self.arguments))}; "
                f"missing: {missing}; unknown: {unknown}."
            )

    def send(self, sender, **named):
        self._check(named)
        return super().send(sender, **named)

    def send_robust(self, sender, **named):
        self._check(named)
        return super().send_robust(sender, **named)

    async def asend(self, sender, **named):
        self._check(named)
        return await super().asend(sender, **named)

    async def asend_robust(self, sender, **named):
        self._check(named)
        return await super().asend_robust(sender, **named)


initiative_recognised = Event(
    "initiative_id", "member_id", "benefit_vnd", "recognised_on"
)
"""Sent by ``feedback`` when staff recognise a member's initiative.

``initiative_id`` (int), ``member_id`` (int: an author; sent once for the
member who submitted it and once for each co-author),
``benefit_vnd`` (int or None: the yearly money benefit the union recorded, in
đồng), ``recognised_on`` (date). ``learning`` awards its XP and badge, keyed
on the initiative's id.
"""

survey_answered = Event("survey_id", "member_id", "anonymous")
"""Sent by ``feedback`` when a member submits their answers to a survey.

``survey_id`` (int), ``member_id`` (int: who took part), ``anonymous``
(bool). The event says who took part, never what they answered: for an
anonymous survey the participation is all that may be linked to the member
(docs/privacy.md). ``learning`` awards participation XP, keyed on the
(survey, member) pair.
"""
