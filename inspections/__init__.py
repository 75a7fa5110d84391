"""Inspections and supervision: activities, their mode, findings and follow-up."""
