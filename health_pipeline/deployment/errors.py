"""The one error a deployment profile raises when it cannot start."""


class ProfileError(ValueError):
    """The chosen profile cannot start (unknown name, missing credential, unreachable store)."""
