"""Tests of the learning app."""
