"""Reads of member voice, one module a topic."""
