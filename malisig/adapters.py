from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open self-registration: accounts are created by following an invitation link."""

    def is_open_for_signup(self, request) -> bool:
        return False
