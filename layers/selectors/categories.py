"""Reading the category tree for the API (codes, both names, days to close)."""

from __future__ import annotations

from layers.models import Category


def category_catalogue() -> list[dict]:
    """The active main categories, each with its active sub-categories, in their order.

    ``sla_days``: days to close a case of the category (a sub-category without its own takes
    its main category's); None when none is set."""
    rows = list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))
    mains = [c for c in rows if c.parent_id is None]
    by_id = {c.pk: c for c in mains}
    children: dict[int, list[dict]] = {}
    for sub in rows:
        if sub.parent_id is not None and sub.parent_id in by_id:
            parent = by_id[sub.parent_id]
            children.setdefault(sub.parent_id, []).append(
                {
                    "code": sub.code,
                    "name_th": sub.name_th,
                    "name_en": sub.name_en,
                    "sla_days": sub.sla_days if sub.sla_days is not None else parent.sla_days,
                }
            )
    return [
        {
            "code": main.code,
            "name_th": main.name_th,
            "name_en": main.name_en,
            "is_other": main.is_other,
            "sla_days": main.sla_days,
            "subcategories": children.get(main.pk, []),
        }
        for main in mains
    ]
