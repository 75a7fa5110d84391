"""Portal pages of inspections: one module a topic."""
