"""Signal receivers of the members app: one module a topic, connected in apps.py."""
