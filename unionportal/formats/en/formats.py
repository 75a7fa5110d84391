"""English formats for the portal: dates stay dd/mm/yyyy, as members read them."""

from unionportal.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
