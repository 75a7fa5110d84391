"""Reads of the members app that pages, the admin and the portal home reuse."""
