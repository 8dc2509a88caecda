"""Reading API tokens: an officer's own list (the profile page)."""

from __future__ import annotations

from django.db.models import QuerySet

from layers.models import ApiToken


def api_tokens_of(*, officer) -> QuerySet[ApiToken]:
    """The officer's tokens, newest first: working, expired and revoked (the page says which)."""
    return ApiToken.objects.filter(officer=officer).order_by("-created_at")
