"""``GET /api/search/?q=…`` — one search box for officers (issue 12), thin over
``layers.selectors.search``: within the officer's jurisdiction, by the policy's fields, results
with ``tracking_no`` first. A bad parameter is a 400 naming it; an officer with no role a 403."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import filter_parameters, policy_serializer
from layers import policy
from layers.errors import Forbidden, InvalidInput
from layers.inputs import whole_number
from layers.selectors import search as sel
from layers.selectors.scope import jurisdiction_for

S = serializers
SearchResultDoc = policy_serializer(
    "SearchResult",
    "search",
    {
        "tracking_no": S.CharField(help_text="The case's tracking number, e.g. 2569-0000123."),
        "url": S.CharField(help_text="The case's page."),
        "status": S.CharField(),
        "status_label": S.CharField(),
        "category": S.CharField(),
        "category_name": S.CharField(),
        "subdistrict": S.CharField(),
        "subdistrict_name": S.CharField(),
        "district": S.CharField(),
        "district_name": S.CharField(),
        "province": S.CharField(),
        "province_name": S.CharField(),
        "received_at": S.DateTimeField(),
        "received_label": S.CharField(help_text="The date received, B.E. on Thai pages."),
        "matched_on": S.ListField(
            child=S.CharField(),
            help_text="What matched: tracking_no, citizen_id, phone, complainant_name, "
            "accused_name, title, description, location_note, area, category, words, partial.",
        ),
        "title_html": S.CharField(help_text="HTML: the words found in <mark>, the rest escaped."),
        "description_html": S.CharField(help_text="HTML: a window around the first word found."),
        "location_note_html": S.CharField(),
        "complainant_name_html": S.CharField(),
        "accused_name_html": S.CharField(),
    },
)
SearchPageDoc = policy_serializer(
    "SearchPage",
    "searchpage",
    {
        "query": S.CharField(),
        "words": S.ListField(child=S.CharField(), help_text="The query's Thai words."),
        "scope": S.ChoiceField(
            choices=["all", "public"],
            help_text="What the viewer's search matches: every text of a case, or its public "
            "words only (roles without personal data and free text).",
        ),
        "count": S.IntegerField(),
        "next": S.CharField(allow_null=True),
        "previous": S.CharField(allow_null=True),
        "results": SearchResultDoc(many=True),
    },
)


def _page(request, name: str, default: int, high: int | None) -> int:
    values = [v for v in request.query_params.getlist(name) if v != ""]
    if not values:
        return default
    message = (
        _("%(name)s is a whole number from 1 to %(max)d.") % {"name": name, "max": high}
        if high
        else _("%(name)s is a whole number from 1.") % {"name": name}
    )
    if len(values) > 1:
        raise InvalidInput({name: _("Give %(name)s once.") % {"name": name}})
    value = whole_number(values[0], field=name, message=message)
    if value < 1 or (high and value > high):
        raise InvalidInput({name: message})
    return value


class SearchView(APIView):
    """``GET /api/search/?q=…`` — cases the officer may see whose tracking number, citizen ID
    or phone (through keyed hashes), names, accused party, place, description or notes match;
    a GIS analyst's search matches public words only. Filters: area codes, ``category``,
    ``status`` and the dates received ``since`` / ``until`` in the Buddhist Era."""

    @extend_schema(
        summary="Search cases (tracking number, citizen ID, phone, names, places, words)",
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description="What to look for (at most 200 characters): a tracking number, a "
                "13-digit citizen ID, a phone number, names or Thai words (a phrase per piece "
                "between spaces).",
            ),
            *filter_parameters(sel.SEARCH_FILTERS),
            OpenApiParameter(
                "since", str, description="Received on or after, B.E.: 31/01/2569 or 2569-01-31."
            ),
            OpenApiParameter(
                "until", str, description="Received on or before, B.E.: 31/01/2569 or 2569-01-31."
            ),
            OpenApiParameter("page", int, description=f"Page number, from 1 to {sel.MAX_PAGE}."),
            OpenApiParameter(
                "page_size",
                int,
                description=f"Results per page: {sel.PAGE_SIZE} unless given, at most "
                f"{sel.MAX_PAGE_SIZE}.",
            ),
        ],
        responses={200: SearchPageDoc},
    )
    def get(self, request):
        if jurisdiction_for(request.user).is_empty:
            raise Forbidden(_("Your account has no role with an area yet."))
        req = sel.search_request_from_params(request.query_params)
        page = _page(request, "page", 1, sel.MAX_PAGE)
        size = _page(request, "page_size", sel.PAGE_SIZE, sel.MAX_PAGE_SIZE)
        result = sel.case_search(
            officer=request.user, req=req, offset=(page - 1) * size, limit=size
        )
        last = max(1, -(-result.count // size))
        if page > last:
            raise InvalidInput(
                {
                    "page": _("There is no page %(page)d: the last is %(last)d.")
                    % {"page": page, "last": last}
                }
            )
        viewer = policy.viewer_for(request.user)

        def link(n):
            params = request.query_params.copy()
            params["page"] = str(n)
            return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

        return Response(
            policy.shape(
                viewer,
                "searchpage",
                {
                    "query": req.q,
                    "words": req.words,
                    "scope": "all" if sel.matches_people(viewer) else "public",
                    "count": result.count,
                    "next": link(page + 1) if page < last else None,
                    "previous": link(page - 1) if page > 1 else None,
                    "results": [sel.search_row(viewer, c, req) for c in result.rows],
                },
            )
        )


__all__ = ["SearchView"]
