"""The same person in other cases, anywhere in the country (issue 8).

* A repeat complainant: the same citizen ID, the same phone number (in E.164), or a
  near-identical name (normalised: titles, spaces, dots and Thai digits do not count).
* A repeat accused party: the same official, agency or person by normalised name.

Citizen IDs and phones are compared through their keyed hashes (``layers.identity``): the
query holds no ID or phone in plain text, and no index of the values exists. Names: a trigram
index on the normalised name; a name matches when it is the same, or when pg_trgm similarity is
at least ``NAME_SIMILARITY`` (one or two letters typed differently in a full name).

Which fields of a match each officer sees (a case outside their jurisdiction: only its
tracking number, area, date, category and status) is ``layers.policy``'s decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from layers.identity import citizen_id_hash, normalize_name, phone_hash
from layers.inputs import TEXT_LIMITS, text_value

# pg_trgm similarity from which two normalised names are "near-identical". Measured on 2,000
# full names of the demo data's first and last names, each with one typing slip
# (layers.demo.reword: a letter doubled, dropped, swapped, a tone mark changed): median 0.81,
# 86 % at 0.6 or more (96 % at 0.5); two people sharing only the first name: median 0.29, 0.3 %
# at 0.6 or more (p99 0.52); sharing the last name: 0.05 %; neither: none (max 0.35). A false
# match shows an officer another person's case, so 0.6 rather than 0.5.
NAME_SIMILARITY = 0.6
# A name this short says too little (a nickname, initials): matched only exactly.
NAME_MIN_LENGTH = 4

STRENGTH = {"citizen_id": 0, "phone": 1, "name": 2}


@dataclass(frozen=True)
class PersonMatch:
    complaint_id: int
    tracking_no: str
    role: str  # "complainant" | "accused": who in the other case matched
    matched_on: str  # "citizen_id" | "phone" | "name"
    received_at: datetime
    category_code: str
    status: str
    subdistrict_code: str
    district_code: str
    province_code: str


MATCH_COLUMNS = """c.id, c.tracking_no, c.received_at, cat.code, c.status,
       c.subdistrict_code, c.district_code, c.province_code"""


def _branch(where: str, role: str, matched_on: str) -> str:
    return (
        f"SELECT {MATCH_COLUMNS}, '{role}' AS role, '{matched_on}' AS matched_on "
        f"FROM layers_complaint c JOIN layers_category cat ON cat.id = c.category_id "
        f"WHERE {where} AND c.id <> %(exclude)s"
    )


def person_matches_for(
    *,
    citizen_id: str = "",
    phone: str = "",
    name: str = "",
    accused_name: str = "",
    exclude_id: int | None = None,
    limit: int = 50,
) -> list[PersonMatch]:
    """Other cases of this complainant (by ID, phone or name) and of this accused party (by
    name), newest first, one row per case and role (the strongest reason: ID, then phone,
    then name). Empty or unusable values are simply not matched on; a value that is not text,
    or longer than its field may be, is ``InvalidInput``."""
    citizen_id = text_value(citizen_id, field="citizen_id", limit=20)
    phone = text_value(phone, field="phone", limit=TEXT_LIMITS["complainant_phone"])
    name = text_value(name, field="name", limit=TEXT_LIMITS["complainant_name"])
    accused_name = text_value(accused_name, field="accused_name")
    params = {
        "exclude": exclude_id or 0,
        "cid": citizen_id_hash(citizen_id or ""),
        "phone": phone_hash(phone or ""),
        "name": normalize_name(name or ""),
        "accused": normalize_name(accused_name or ""),
        "limit": limit,
    }
    branches = []
    if params["cid"]:
        branches.append(_branch("c.complainant_cid_hash = %(cid)s", "complainant", "citizen_id"))
    if params["phone"]:
        branches.append(_branch("c.complainant_phone_hash = %(phone)s", "complainant", "phone"))
    for key, column, role in (
        ("name", "complainant_name_norm", "complainant"),
        ("accused", "accused_name_norm", "accused"),
    ):
        if not params[key]:
            continue
        if len(params[key]) < NAME_MIN_LENGTH:
            where = f"c.{column} = %({key})s"
        else:
            # ``%`` uses the trigram index at pg_trgm.similarity_threshold (set below for this
            # transaction only); the partial index needs the non-empty condition spelt out.
            where = f"c.{column} <> '' AND c.{column} %% %({key})s"
        branches.append(_branch(where, role, "name"))
    if not branches:
        return []
    # A case can come up in up to three complainant branches: fetch enough rows for ``limit``
    # distinct cases.
    params["fetch"] = 4 * limit
    query = (
        "SELECT * FROM (" + " UNION ALL ".join(branches) + ") m "
        "ORDER BY m.received_at DESC, m.id DESC LIMIT %(fetch)s"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(NAME_SIMILARITY)]
        )
        cur.execute(query, params)
        rows = cur.fetchall()
    best: dict[tuple[int, str], PersonMatch] = {}
    order: list[tuple[int, str]] = []
    for cid, no, received, category, status, sub, district, province, role, on in rows:
        key = (cid, role)
        match = PersonMatch(cid, no, role, on, received, category, status, sub, district, province)
        if key not in best:
            order.append(key)
            best[key] = match
        elif STRENGTH[on] < STRENGTH[best[key].matched_on]:
            best[key] = match
    return [best[k] for k in order][:limit]


def person_matches_for_case(*, complaint, limit: int = 50) -> list[PersonMatch]:
    """Other cases of this case's complainant and accused party."""
    return person_matches_for(
        citizen_id=complaint.complainant_citizen_id,
        phone=complaint.complainant_phone,
        name=complaint.complainant_name,
        accused_name=complaint.accused_name,
        exclude_id=complaint.pk,
        limit=limit,
    )
