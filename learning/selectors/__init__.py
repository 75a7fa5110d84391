"""Reads of the learning app that services, pages and reminders share."""
