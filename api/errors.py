"""API errors: a JSON body with a message people can act on, never a stack trace."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        # Unexpected: log the type only (no request data, which may hold personal data).
        logger.exception(
            "API error %s in %s", type(exc).__name__, context.get("view").__class__.__name__
        )
        return Response(
            {"detail": "Internal error; the request was not applied."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return response
