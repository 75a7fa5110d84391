"""allauth adapter: accounts are for people the union knows, never public signup."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Refuse public signup: accounts are opened from the register."""
        return False
