"""Throttling of the REST API (THREATS.md B): requests are counted per client system (at its own
`throttle_rate`, else `API_THROTTLE_RATE`), per staff user otherwise, else per IP; the 429 that
`errors.exception_handler` writes carries `Retry-After`.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .permissions import api_client


class ApiRateThrottle(SimpleRateThrottle):
    """Per client (its `throttle_rate`, else `API_THROTTLE_RATE`), per staff user, else per IP."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        client = api_client(request)
        if client is not None and client.throttle_rate:
            self.rate = client.throttle_rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        client = api_client(request)
        if client is not None:
            ident = f"client-{client.pk}"
        elif getattr(request.user, "pk", None):
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_api_{ident}"
