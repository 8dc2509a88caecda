"""The duplicates review of a district or a province (issue 8): ``/duplicates/<code>/``.

Thin: reads through ``layers.selectors.duplicate_review``, shows each field through the
policy (namespace ``review``). Who may open it is ``may_review``: a 403 otherwise, a 404 for a
code that is no district or province.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from boundaries.models import District, Province
from layers import policy
from layers.errors import Forbidden, NotFound
from layers.models import Complaint, Status
from layers.selectors.duplicate_review import duplicate_clusters, may_review, repeat_people
from layers.selectors.scope import complaints_visible_to


def _area(code: str):
    if len(code) == 4 and code.isdigit():
        district = District.objects.filter(code=code).only("code", "name_th", "province_id")
        district = district.first()
        if district:
            return district.province_id, district.code, district.name_th
    elif len(code) == 2 and code.isdigit():
        province = Province.objects.filter(code=code).only("code", "name_th").first()
        if province:
            return province.code, None, province.name_th
    raise NotFound(_("No such district or province."))


@login_required
@require_GET
def duplicate_review(request, code: str):
    province, district, name = _area(code)
    if not may_review(request.user, province=province, district=district):
        raise Forbidden(_("Your role may not review the duplicates of this area."))
    viewer = policy.viewer_for(request.user)
    clusters = duplicate_clusters(province=province, district=district)
    people = repeat_people(province=province, district=district)
    ids = {c.complaint_id for cl in clusters for c in cl.cases}
    ids |= {c.complaint_id for p in people for c in p.cases_here}
    visible = set(
        complaints_visible_to(
            officer=request.user, queryset=Complaint.objects.filter(pk__in=ids)
        ).values_list("pk", flat=True)
    )
    labels = dict(Status.choices)

    def case_row(c):
        return {
            **policy.shape(
                viewer,
                "review",
                {"tracking_no": c.tracking_no, "received_at": c.received_at, "status": c.status},
            ),
            "status_label": labels.get(c.status, c.status),
            "visible": c.complaint_id in visible,
            "district_code": c.district_code,
        }

    context = {
        "code": code,
        "area_name": name,
        "level": "district" if district else "province",
        "clusters": [
            {
                **policy.shape(
                    viewer,
                    "review",
                    {"category": cl.category_code, "score": cl.best_score},
                ),
                "cases": [case_row(c) for c in cl.cases],
            }
            for cl in clusters
        ],
        "people": [
            {
                **policy.shape(
                    viewer,
                    "review",
                    {
                        "person_role": p.role,
                        "matched_on": p.matched_on,
                        "person_name": p.name,
                        "cases_elsewhere": p.cases_elsewhere,
                    },
                ),
                "cases": [case_row(c) for c in p.cases_here],
            }
            for p in people
        ],
    }
    return render(request, "maps/duplicates/review.html", context)
