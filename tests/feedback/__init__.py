"""Tests of member voice: surveys, initiatives and the assistant."""
