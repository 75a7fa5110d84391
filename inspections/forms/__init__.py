"""Forms of inspections: one module a topic."""
