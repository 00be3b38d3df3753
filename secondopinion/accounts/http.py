"""The request a signed-in user's view receives: `request.user` is a `User`, never anonymous.

Views behind `login_required` take an `AuthenticatedHttpRequest` so the type checker knows the
user they hand to services (`by: User`) is a real account.
"""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
