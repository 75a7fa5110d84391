"""Member voice in the portal: one module a topic, routed in feedback/urls.py."""
