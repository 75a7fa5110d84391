"""Reads of inspections: the scoped lists, the split, the calendar."""
