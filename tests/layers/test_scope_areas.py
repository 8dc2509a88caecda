"""subdistricts_visible_to: the sub-districts of an officer's areas, from the scope selector."""

import pytest
from django.contrib.auth.models import AnonymousUser

from boundaries.models import Subdistrict
from layers.selectors.scope import subdistricts_visible_to
from tests.factories import Role, make_officer, make_team

pytestmark = pytest.mark.django_db


def codes(officer) -> set[str]:
    return set(subdistricts_visible_to(officer=officer).values_list("code", flat=True))


def test_each_role_gets_the_sub_districts_of_its_own_area():
    in_4901 = set(Subdistrict.objects.filter(district_id="4901").values_list("code", flat=True))
    in_49 = set(Subdistrict.objects.filter(province_id="49").values_list("code", flat=True))
    assert in_4901 and in_4901 < in_49

    assert codes(make_officer(Role.DISTRICT_OFFICER, district="4901")) == in_4901
    assert codes(make_officer(Role.PROVINCE_OFFICER, province="49")) == in_49
    team = make_team("490101")
    assert codes(make_officer(Role.TEAM_MEMBER, district="4901", teams=[team])) == {"490101"}
    assert codes(make_officer(Role.CENTRAL_OFFICER)) == set(
        Subdistrict.objects.values_list("code", flat=True)
    )
    # Two roles: the union of their areas.
    both = make_officer(Role.DISTRICT_OFFICER, district="4901")
    both.roles.create(role=Role.PROVINCE_OFFICER, province_id="48")  # as an approval adds it
    in_48 = set(Subdistrict.objects.filter(province_id="48").values_list("code", flat=True))
    assert in_48 and codes(both) == in_4901 | in_48


def test_an_officer_without_a_role_or_anonymous_gets_none():

    assert codes(make_officer()) == set()
    assert codes(AnonymousUser()) == set()
