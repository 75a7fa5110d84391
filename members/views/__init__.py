"""Member portal pages: one module a topic, routed in members/urls.py."""
