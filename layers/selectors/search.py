"""One search box for officers (issue 12): ``/search/?q=…`` and ``GET /api/search/?q=…``.

What a query matches, strongest first:

1. a **tracking number** (``2569-0000123``, or ``2569-123``; Thai digits too): that case;
2. a **citizen ID** (13 digits) or a **phone number**: through the keyed hashes of the
   duplicates engine (``layers.identity``), never a text index of the values — and only for a
   viewer entitled to people (``layers.policy``);
3. **words**: the query is split on spaces, each piece into Thai words by the indexing
   tokeniser (``layers.searchwords``), each piece asked as a phrase
   (``phraseto_tsquery('simple', …)``) and all pieces together (AND), against the case's words
   (``layers.models.CaseSearch``): for a viewer who sees people and free text, every text of
   the case; for any other (the GIS analyst), only its public words (tracking number,
   category, area names, team), so that their search never matches a name or a description;
4. **partial words**: when every piece has three letters or more, a piece found inside the
   same texts (pg_trgm index), ranked after whole words.

Always within the officer's jurisdiction (``complaints_visible_to``) and the filters (area
codes, category, status, dates received in B.E.), which only narrow it. Words found are
highlighted in the results (everything else escaped); which fields are shown is the policy's
decision (``policy.shape``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from layers import policy
from layers.errors import InvalidInput
from layers.identity import citizen_id_hash, phone_hash
from layers.inputs import text_value
from layers.searchwords import search_normalize, search_words, split_tokens
from layers.selectors.filters import CaseFilter, case_filter_apply, case_filter_from_params
from layers.selectors.scope import complaints_visible_to
from layers.thaidate import date_label
from layers.thaitext import THAI_DIGITS
from layers.validators import normalize_citizen_id

QUERY_LIMIT = 200
# A piece this long or longer is also looked for inside words (pg_trgm needs three letters).
PARTIAL_MIN = 3
SEARCH_FILTERS = ("province", "district", "subdistrict", "category", "status")
SEARCH_PARAMS = ("q", *SEARCH_FILTERS, "since", "until")
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Pages beyond this are refused (400) before any query: nobody reads 1,000 pages of results.
MAX_PAGE = 1000
# A B.E. date as officers write it: 31/01/2569 or 2569-01-31 (Thai digits too).
_BE_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_BE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TRACKING = re.compile(r"(\d{4})-(\d{1,7})")
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{7,14}")


@dataclass(frozen=True)
class SearchRequest:
    q: str
    filters: CaseFilter
    since_be: str = ""
    until_be: str = ""
    pieces: tuple[tuple[str, ...], ...] = ()  # the words of each space-separated piece
    partial: tuple[str, ...] = ()  # the pieces (normalised) also looked for inside words
    tracking_no: str = ""
    citizen_id: str = ""
    phone: str = ""

    @property
    def words(self) -> list[str]:
        return [w for piece in self.pieces for w in piece]


def be_date(value: str, name: str) -> date:
    """A date written in the Buddhist Era: ``31/01/2569`` or ``2569-01-31``."""
    text = value.strip().translate(THAI_DIGITS)
    m = _BE_SLASHED.fullmatch(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _BE_ISO.fullmatch(text)
        if not m:
            raise InvalidInput(
                {
                    name: _("Write the date in the Buddhist Era, e.g. 31/01/2569, got %(v)r.")
                    % {"v": text[:20]}
                }
            )
        year, month, day = (int(g) for g in m.groups())
    if not 2400 <= year <= 2700:
        raise InvalidInput(
            {name: _("The year must be in the Buddhist Era (e.g. 2569), got %(y)d.") % {"y": year}}
        )
    try:
        return date(year - 543, month, day)
    except ValueError:
        raise InvalidInput({name: _("There is no such date: %(v)s.") % {"v": text[:20]}}) from None


def search_request_from_params(params: Mapping, *, also=("page", "page_size")) -> SearchRequest:
    """Read ``q`` and the filters; ``InvalidInput`` names every bad parameter (400)."""
    errors: dict[str, str] = {}
    try:
        filters = case_filter_from_params(
            params, allowed=SEARCH_FILTERS, also=("q", "since", "until", *also)
        )
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
        filters = CaseFilter()
    raw = {}
    for name in ("q", "since", "until"):
        values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        values = [v for v in values if v not in (None, "")]
        if len(values) > 1:
            errors[name] = _("Give %(name)s once.") % {"name": name}
        raw[name] = values[0] if values else ""
    q = ""
    try:
        q = text_value(raw["q"], field="q", limit=QUERY_LIMIT)
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
    if not q and "q" not in errors:
        errors["q"] = _("Type what to look for: a tracking number, a name, a place or words.")
    dates = {}
    for name in ("since", "until"):
        if raw[name]:
            try:
                dates[name] = be_date(str(raw[name]), name)
            except InvalidInput as exc:
                errors.update({k: v[0] for k, v in exc.fields.items()})
    if "since" in dates and "until" in dates and dates["until"] < dates["since"]:
        errors["until"] = _("The end date is before the start date.")
    if errors:
        raise InvalidInput(errors)
    filters = replace(filters, since=dates.get("since"), until=dates.get("until"))
    plain = q.translate(THAI_DIGITS).strip()
    tracking = ""
    m = _TRACKING.fullmatch(plain)
    if m:
        tracking = f"{m.group(1)}-{int(m.group(2)):07d}"
    digits = normalize_citizen_id(plain) if re.fullmatch(r"[0-9 \-]+", plain) else ""
    citizen_id = digits if len(digits) == 13 else ""
    phone = plain if not citizen_id and not tracking and _PHONE.fullmatch(plain) else ""
    pieces = tuple(tuple(search_words(p)) for p in q.split())
    pieces = tuple(p for p in pieces if p)
    partial = tuple(search_normalize(p) for p in q.split())
    if not pieces or any(len(p) < PARTIAL_MIN for p in partial):
        partial = ()
    return SearchRequest(
        q=q,
        filters=filters,
        since_be=str(raw["since"]),
        until_be=str(raw["until"]),
        pieces=pieces,
        partial=partial,
        tracking_no=tracking,
        citizen_id=citizen_id,
        phone=phone,
    )


def matches_people(viewer: policy.Viewer) -> bool:
    """Whether a viewer's search may match people and free text (else public words only)."""
    return viewer.sees_class(policy.PERSONAL) and viewer.sees_class(policy.FREE_TEXT)


@dataclass
class SearchResult:
    rows: list
    count: int
    request: SearchRequest
    words: list[str] = field(default_factory=list)


def _query(req: SearchRequest):
    """The tsquery: each piece a phrase, all pieces together."""
    query = None
    for piece in req.pieces:
        part = SearchQuery(" ".join(piece), search_type="phrase", config="simple")
        query = part if query is None else query & part
    return query


def _like(piece: str) -> str:
    escaped = piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_ids_sql(req: SearchRequest, *, people: bool) -> tuple[str, list]:
    """One ``SELECT id … UNION …`` of the ways a case matches, each arm on its own index
    (tracking number, keyed hashes, the GIN of the tsvector, the trigram GIN), so that
    PostgreSQL reads only the matching rows instead of testing every case in the scope."""
    vector = "full_vector" if people else "public_vector"
    norm = "full_norm" if people else "public_norm"
    arms, params = [], []
    if req.tracking_no:
        arms.append("SELECT id FROM layers_complaint WHERE tracking_no = %s")
        params.append(req.tracking_no)
    if people and req.citizen_id:
        arms.append(
            "SELECT id FROM layers_complaint "
            "WHERE complainant_cid_hash <> '' AND complainant_cid_hash = %s"
        )
        params.append(citizen_id_hash(req.citizen_id))
    hashed_phone = phone_hash(req.phone) if people and req.phone else ""
    if hashed_phone:
        arms.append(
            "SELECT id FROM layers_complaint "
            "WHERE complainant_phone_hash <> '' AND complainant_phone_hash = %s"
        )
        params.append(hashed_phone)
    if req.pieces:
        tsquery = " && ".join("phraseto_tsquery('simple', %s)" for _piece in req.pieces)
        arms.append(f"SELECT complaint_id FROM layers_casesearch WHERE {vector} @@ ({tsquery})")
        params.extend(" ".join(piece) for piece in req.pieces)
    if req.partial:
        likes = " AND ".join(f"{norm} LIKE %s" for _piece in req.partial)
        arms.append(f"SELECT complaint_id FROM layers_casesearch WHERE {likes}")
        params.extend(_like(piece) for piece in req.partial)
    if not arms:
        return "SELECT NULL::bigint WHERE false", []
    return " UNION ".join(arms), params


def case_search(*, officer, req: SearchRequest, offset: int = 0, limit: int = PAGE_SIZE):
    """The cases the officer may see that match, best first (exact, whole words by rank,
    partial words), and how many there are."""
    viewer = policy.viewer_for(officer)
    people = matches_people(viewer)
    vector = "search__full_vector" if people else "search__public_vector"
    qs = case_filter_apply(complaints_visible_to(officer=officer), req.filters)
    sql, params = matching_ids_sql(req, people=people)
    qs = qs.filter(pk__in=RawSQL(sql, params))
    total = qs.count()
    exact = Q(pk__in=[])
    if req.tracking_no:
        exact |= Q(tracking_no=req.tracking_no)
    if people and req.citizen_id:
        exact |= Q(complainant_cid_hash=citizen_id_hash(req.citizen_id))
    if people and req.phone and phone_hash(req.phone):
        exact |= Q(complainant_phone_hash=phone_hash(req.phone))
    tsquery = _query(req)
    words = Q(**{vector: tsquery}) if tsquery is not None else Q(pk__in=[])
    qs = qs.annotate(
        kind=Case(
            When(exact, then=Value(3)),
            When(words, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        rank=SearchRank(F(vector), tsquery) if tsquery is not None else Value(0.0),
    ).select_related("category", "subdistrict", "district", "province")
    order = ["-kind", "-rank", "-received_at", "-pk"]
    if tsquery is not None:
        # Names are written with spaces: a piece typed as a whole name part (แสงอรุณ between
        # spaces or at an end) ranks before the same letters inside a longer name that the
        # dictionary splits the same way (แสงอรุณ|รัตน์). bench/search.py measures it.
        column = "layers_casesearch." + ("full_norm" if people else "public_norm")
        spaced = " AND ".join(f"(' ' || {column} || ' ') LIKE %s" for _p in req.partial or ())
        if spaced:
            qs = qs.annotate(
                spaced=RawSQL(
                    f"CASE WHEN {spaced} THEN 1 ELSE 0 END",
                    [f"% {_like(p)[1:-1]} %" for p in req.partial],
                    output_field=IntegerField(),
                )
            )
            order.insert(1, "-spaced")
    rows = list(qs.order_by(*order)[offset : offset + limit])
    return SearchResult(rows=rows, count=total, request=req, words=req.words)


# --- Highlighting ------------------------------------------------------------------------------


def highlight(text: str, req: SearchRequest, *, window: int | None = None) -> str:
    """``text`` as HTML: every word of the query (or a token holding a partial piece) in
    ``<mark>``, everything else escaped. With ``window``, only about that many characters
    around the first mark (with … at cut ends)."""
    if not text:
        return ""
    wanted = set(req.words)
    pieces = split_tokens(text)
    marked = []
    for piece, is_word in pieces:
        hit = False
        if is_word:
            norm = search_normalize(piece)
            hit = bool(norm) and (norm in wanted or any(p in norm for p in req.partial))
        marked.append((piece, hit))
    if window is not None:
        first = next((i for i, (_p, hit) in enumerate(marked) if hit), 0)
        start = first
        size = len(marked[first][0]) if marked else 0
        while start > 0 and size + len(marked[start - 1][0]) <= window // 3:
            start -= 1
            size += len(marked[start][0])
        end = first + 1
        while end < len(marked) and size + len(marked[end][0]) <= window:
            size += len(marked[end][0])
            end += 1
        head = "… " if start > 0 else ""
        tail = " …" if end < len(marked) else ""
        marked = [("", False)] if not marked else marked[start:end]
    else:
        head = tail = ""
    html = "".join(f"<mark>{escape(p)}</mark>" if hit else escape(p) for p, hit in marked)
    return mark_safe(escape(head) + html + escape(tail))


def _has_hit(text: str, req: SearchRequest) -> bool:
    if not text:
        return False
    wanted = set(req.words)
    norm_words = set(search_words(text))
    if wanted & norm_words:
        return True
    norm = search_normalize(text)
    return any(p in norm for p in req.partial)


# Each shown text and the field whose class decides who sees it.
HIGHLIGHTED = {
    "title_html": ("title", "case.title"),
    "description_html": ("description", "case.description"),
    "location_note_html": ("location_note", "case.location_note"),
    "complainant_name_html": ("complainant_name", "case.complainant_name"),
    "accused_name_html": ("accused_name", "case.accused_name"),
}
DESCRIPTION_WINDOW = 180


def search_row(viewer: policy.Viewer, case, req: SearchRequest) -> dict:
    """One result as ``viewer`` may see it (``search.*`` fields, shaped by the policy),
    ``tracking_no`` first."""
    matched = []
    if req.tracking_no and case.tracking_no == req.tracking_no:
        matched.append("tracking_no")
    people = matches_people(viewer)
    if people and req.citizen_id and case.complainant_cid_hash == citizen_id_hash(req.citizen_id):
        matched.append("citizen_id")
    if people and req.phone and case.complainant_phone_hash == phone_hash(req.phone):
        matched.append("phone")
    html = {}
    for key, (attr, field_name) in HIGHLIGHTED.items():
        if not viewer.sees(field_name):
            html[key] = None
            continue
        value = getattr(case, attr) or ""
        if people and _has_hit(value, req):
            matched.append(attr)
        window = DESCRIPTION_WINDOW if attr == "description" else None
        html[key] = highlight(value, req, window=window)
    area_names = " ".join(
        a.name_th for a in (case.subdistrict, case.district, case.province) if a is not None
    )
    if _has_hit(area_names, req):
        matched.append("area")
    if _has_hit(f"{case.category.name_th} {case.category.name_en}", req):
        matched.append("category")
    data = {
        "tracking_no": case.tracking_no,
        "url": reverse("case_detail", args=[case.tracking_no]),
        "status": case.status,
        "status_label": case.get_status_display(),
        "category": case.category.code,
        "category_name": case.category.name_th,
        "subdistrict": case.subdistrict_id,
        "subdistrict_name": case.subdistrict.name_th,
        "district": case.district_id,
        "district_name": case.district.name_th,
        "province": case.province_id,
        "province_name": case.province.name_th,
        "received_at": policy.isoformat(case.received_at),
        "received_label": date_label(case.received_at, "short"),
        "matched_on": matched or (["words"] if getattr(case, "kind", 0) >= 2 else ["partial"]),
        **html,
    }
    return policy.shape(viewer, "search", data)
