"""``POST /api/auth/token/``: exchange a username and password for an API token."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from shop.throttling import LoginRateThrottle


class TokenLoginView(ObtainAuthToken):
    """DRF's token login, rate-limited per client address.

    It authenticates nobody: credentials sent along (a stale token, a session cookie) are
    ignored, so a login never fails with a 401 or a CSRF 403. Inactive users get no token.
    """

    authentication_classes = []
    # The project's parsers, not ObtainAuthToken's own list of DRF's.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    throttle_classes = [LoginRateThrottle]
