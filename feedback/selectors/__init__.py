"""Reads of member voice that services, pages and the homes share."""
