"""Reads for the intake form: the base map of the officer's area and the category tree."""

from __future__ import annotations

from django.db.models import CharField, Value
from django.utils.translation import get_language

from boundaries.models import District, Province
from boundaries.selectors import area_labels, areas_geojson
from layers.models import Category
from layers.selectors.scope import jurisdiction_for, subdistricts_visible_to

# Simplification tolerances in degrees: ~50 m keeps sub-district lines recognisable at the
# zoom an officer pins at, and cuts the page weight several times; province outlines for the
# national view only need ~1 km.
SUBDISTRICT_TOLERANCE = 0.0005
PROVINCE_TOLERANCE = 0.01


def base_map_geojson(queryset, *, tolerance: float, level: str) -> dict:
    """Area outlines drawn under an officer's map (intake, team page), simplified, each
    feature tagged with its level ("province" or "subdistrict")."""
    return areas_geojson(
        queryset.annotate(level=Value(level, output_field=CharField())),
        properties=("code", "name_th", "name_en", "level"),
        tolerance=tolerance,
        precision=5,
    )


def intake_base_map(*, officer) -> dict:
    """Boundaries drawn under the intake map: the sub-districts of the officer's districts or
    provinces, or the provinces for an officer of the whole country."""
    j = jurisdiction_for(officer)
    if j.country:
        return base_map_geojson(
            Province.objects.all(), tolerance=PROVINCE_TOLERANCE, level="province"
        )
    return base_map_geojson(
        subdistricts_visible_to(officer=officer),
        tolerance=SUBDISTRICT_TOLERANCE,
        level="subdistrict",
    )


def intake_base_labels(*, officer) -> list[dict]:
    """Place names for the intake map: the provinces for an officer of the whole country, else
    the districts and sub-districts of the officer's areas."""
    j = jurisdiction_for(officer)
    if j.country:
        return area_labels(Province.objects.all(), level="province")
    subdistricts = subdistricts_visible_to(officer=officer)
    districts = District.objects.filter(code__in=subdistricts.values("district_id"))
    return area_labels(districts, level="district") + area_labels(subdistricts, level="subdistrict")


def category_name(category: Category) -> str:
    """The category's name in the page's language (Thai unless the user chose English)."""
    if (get_language() or "th").startswith("en") and category.name_en:
        return category.name_en
    return category.name_th


def category_tree() -> list[dict]:
    """Main categories with their active sub-categories, for the two linked selects."""
    mains = list(
        Category.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "code")
    )
    subs: dict[int, list[dict]] = {}
    for sub in Category.objects.filter(parent__isnull=False, is_active=True).order_by(
        "sort_order", "code"
    ):
        subs.setdefault(sub.parent_id, []).append({"code": sub.code, "name": category_name(sub)})
    return [
        {
            "code": main.code,
            "name": category_name(main),
            "is_other": main.is_other,
            "children": subs.get(main.pk, []),
        }
        for main in mains
    ]
