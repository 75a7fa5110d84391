"""Money in đồng, shown the Vietnamese way: 1.000.000 ₫."""

NBSP = "\u00a0"


def vnd(amount) -> str:
    """Return an amount of đồng with dots between thousands: ``1.000.000 ₫``."""
    if amount is None or amount == "":
        return ""
    grouped = f"{int(amount):,}".replace(",", ".")
    return f"{grouped}{NBSP}₫"
