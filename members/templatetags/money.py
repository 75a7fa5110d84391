"""Template filters for money: ``{{ amount|vnd }}`` shows 1.000.000 ₫."""

from django import template

from members.money import vnd

register = template.Library()
register.filter("vnd", vnd)
