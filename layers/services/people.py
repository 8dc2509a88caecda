"""Writing the comparison columns of complaints (issue 8): after a change of
``PERSON_MATCH_KEY``, or for rows written by a path that did not fill them."""

from __future__ import annotations

from django.db import transaction

from layers.identity import person_columns
from layers.models import Complaint
from layers.thaitext import normalize_text

COLUMNS = (
    "complainant_cid_hash",
    "complainant_phone_hash",
    "complainant_name_norm",
    "accused_name_norm",
    "description_norm",
)


def comparison_columns_refresh(*, batch_size: int = 2000, progress=None) -> int:
    """Compute the keyed hashes and normalised names and descriptions of every complaint again,
    batch by batch (each batch its own transaction). Returns how many rows were written."""
    last, written = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                Complaint.objects.filter(pk__gt=last)
                .order_by("pk")
                .only(
                    "pk",
                    "complainant_citizen_id",
                    "complainant_phone",
                    "complainant_name",
                    "accused_name",
                    "description",
                )[:batch_size]
            )
            if not batch:
                return written
            for c in batch:
                values = person_columns(
                    citizen_id=c.complainant_citizen_id,
                    phone=c.complainant_phone,
                    name=c.complainant_name,
                    accused_name=c.accused_name,
                )
                values["description_norm"] = normalize_text(c.description)
                for key, value in values.items():
                    setattr(c, key, value)
            Complaint.objects.bulk_update(batch, COLUMNS)
        written += len(batch)
        last = batch[-1].pk
        if progress:
            progress(written)
