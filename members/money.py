"""Money in đồng, grouped as the active language's formats group numbers."""

from django.utils.formats import number_format

NBSP = "\u00a0"


def vnd(amount) -> str:
    """Return an amount of đồng grouped by thousands: ``1.000.000 ₫`` in Vietnamese."""
    if amount is None or amount == "":
        return ""
    return f"{number_format(int(amount), force_grouping=True)}{NBSP}₫"
