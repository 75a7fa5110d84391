"""Portal pages of member voice, one module a topic, routed in feedback/urls.py."""
