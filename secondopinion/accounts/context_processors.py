"""Template context: the signed-in user's role, for navigation."""

from .models import Role


def roles(request) -> dict:
    return {"Role": Role}
