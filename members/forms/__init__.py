"""Forms of the members app: one module a topic."""
