"""Template filters for money: ``{{ amount|vnd }}`` shows 1.000.000 ₫."""

from django import template

from members.money import vnd as vnd_format

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """Show an amount of đồng the Vietnamese way."""
    return vnd_format(amount)
