"""Tests of the HRM file reader: checks, headers, values, records."""
