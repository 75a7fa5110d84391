"""Forms of the learning portal, one module a topic."""
