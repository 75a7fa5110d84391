"""Portal pages of member voice, one module a topic."""
