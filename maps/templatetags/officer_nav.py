"""``{% officer_nav user as nav %}``: what the navigation bar may link to, by role.

One query per page (the jurisdiction is cached on the user for the request). Links for a
role go behind ``nav.<flag>`` in ``_nav.html``.
"""

from django import template

from layers.policy import NOBODY, may_record, tip_viewer_for
from layers.selectors.dashboards import has_dashboard
from layers.selectors.lockouts import officer_may_unlock_accounts
from layers.selectors.officers import officer_is_registration_approver
from layers.selectors.scope import (
    COUNTRY_ROLES,
    DISTRICT_ROLES,
    PROVINCE_ROLES,
    jurisdiction_for,
)
from layers.services.backlog import may_close_backlog
from layers.services.news import may_write_news

register = template.Library()


def review_codes(j) -> list[str]:
    """The areas whose duplicates review (``/duplicates/<code>/``, issue 8) the nav links to:
    a province role's provinces, then a district role's districts (``may_review``'s rule; the
    country level opens any area from the address, without a link)."""
    provinces = set().union(*(j.by_role.get(r, ()) for r in PROVINCE_ROLES))
    districts = set().union(*(j.by_role.get(r, ()) for r in DISTRICT_ROLES))
    return sorted(p for p in provinces if len(p) == 2) + sorted(d for d in districts if len(d) == 4)


@register.simple_tag
def officer_nav(user):
    if user is None or not user.is_authenticated:
        return {"roles": frozenset()}
    j = jurisdiction_for(user)
    return {
        "roles": j.roles,
        "district": bool(j.roles & DISTRICT_ROLES),
        "province": bool(j.roles & PROVINCE_ROLES),
        "central": bool(j.roles & COUNTRY_ROLES),
        "team_member": "team_member" in j.roles,
        "gis_analyst": "gis_analyst" in j.roles,
        "has_area": not j.is_empty,
        # Statistics pages: a whole district, province or the country (not a team's tambons).
        "statistics": bool(j.country or j.provinces or j.districts),
        "approver": officer_is_registration_approver(user),
        "unlocker": officer_may_unlock_accounts(user),
        "staff": user.is_staff,
        "may_record": may_record(user),
        "closer": may_close_backlog(user),
        "dashboard": has_dashboard(user),
        # News and activities (issue 11): the district and province centres' officers.
        "news": may_write_news(user),
        # The anti-corruption channel's handlers (their tips only; nobody else sees the link).
        "tips": tip_viewer_for(user) is not NOBODY,
        "reviews": review_codes(j),
    }
