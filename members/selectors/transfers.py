"""Reads of transfers: those waiting for a decision of the user's units."""

from django.db.models import Q, QuerySet

from members.models import Transfer
from members.scope import NOTHING, scoped, staff_unit_paths

Side = Transfer.Side


def transfers_awaiting_q(*, user) -> Q:
    """Return the filter of pending transfers that the user's units must decide.

    The side that did not propose decides (members.services.transfers): the
    receiving unit accepts a member offered, the sending unit releases a
    member asked for. An officer above both sides decides either.
    """
    pending = Q(state=Transfer.State.PENDING)
    paths = staff_unit_paths(user)
    if paths is None:
        return pending
    if not paths:
        return NOTHING
    deciding = Q(pk__in=[])
    for path in paths:
        deciding |= Q(proposer_side=Side.SENDING, to_unit__path__startswith=path)
        deciding |= Q(proposer_side=Side.RECEIVING, from_unit__path__startswith=path)
    return pending & deciding


def transfers_awaiting(*, user) -> QuerySet[Transfer]:
    """Return the pending transfers the user's units must confirm or refuse."""
    return scoped(Transfer.objects.all(), user).filter(transfers_awaiting_q(user=user))
