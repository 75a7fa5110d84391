"""Fixtures for the portal shell's tests: no worker heartbeat left from another test."""

import pytest
from django.core.cache import cache

from unionportal.health import HEARTBEAT_CACHE_KEY


@pytest.fixture
def no_heartbeat():
    """Start and end the test with no heartbeat in the (possibly shared) cache."""
    cache.delete(HEARTBEAT_CACHE_KEY)
    yield
    cache.delete(HEARTBEAT_CACHE_KEY)
