"""Paging that refuses what it cannot honour: ``page``/``page_size`` that are not whole numbers,
given twice, above the maximum, or a page past the last are a 400 naming the parameter.

DRF's ``PageNumberPagination`` answers a malformed or too high ``page`` with a 404 ("Invalid
page") and silently ignores a malformed ``page_size`` or clamps a too large one, so a client
asking for 5,000 rows a page got 200 without knowing; schemathesis found the 404s.
"""

from __future__ import annotations

from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination

from layers.errors import InvalidInput
from layers.inputs import whole_number


def _one(request, name: str) -> str | None:
    values = [v for v in request.query_params.getlist(name) if v != ""]
    if len(values) > 1:
        raise InvalidInput({name: _("Give %(name)s once.") % {"name": name}})
    return values[0] if values else None


class StrictPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    # DRF also takes page=last; one spelling is enough.
    last_page_strings = ()

    def get_page_size(self, request):
        raw = _one(request, self.page_size_query_param)
        if raw is None:
            return self.page_size
        message = _("page_size is a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
        size = whole_number(raw, field=self.page_size_query_param, message=message)
        if size > self.max_page_size:
            raise InvalidInput({self.page_size_query_param: message})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        raw = _one(request, self.page_query_param)
        if raw is not None:
            whole_number(
                raw,
                field=self.page_query_param,
                message=_("page is a whole number from 1."),
            )
        try:
            return super().paginate_queryset(queryset, request, view)
        except Exception as exc:  # DRF's NotFound for a page past the last
            cause = exc.__cause__ or exc.__context__
            if not isinstance(cause, InvalidPage):
                raise
            size = self.get_page_size(request)
            last = self.django_paginator_class(queryset, size).num_pages
            raise InvalidInput(
                {
                    self.page_query_param: _("There is no page %(page)s: the last is %(last)d.")
                    % {"page": raw, "last": last}
                }
            ) from None
