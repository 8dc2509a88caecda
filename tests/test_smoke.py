import pytest

from tests.factories import make_complaint

pytestmark = pytest.mark.django_db


def test_complaint_create_sets_the_three_codes_from_the_point():
    complaint = make_complaint()
    assert (complaint.subdistrict_id, complaint.district_id, complaint.province_id) == (
        "490101",
        "4901",
        "49",
    )
