"""What search reads (issue 12): each case's words, kept by the service layer on every write.

Two sets of columns, so that a viewer's search can only match what they may see
(``layers.policy``): ``public_*`` holds the case's public words (tracking number, category and
sub-category names, the names of its sub-district, district and province, the team's name);
``full_*`` holds those and the people (complainant, accused party, address) and every free
text (subject, description, place note, the "Other" sub-category's words, closing note, the
agency, notes and reasons of the history, and later the text of scanned documents). A GIS
analyst is asked against ``public_*`` only.

``*_vector`` are ``simple`` tsvectors of the Thai words (``layers.searchwords``), with a GIN
index; ``*_norm`` the normalised texts, with a pg_trgm GIN index for partial words of three
letters or more. Citizen IDs and phones are in neither (the keyed hashes on the complaint are
matched instead).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class CaseSearch(models.Model):
    complaint = models.OneToOneField(
        "layers.Complaint", on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    public_vector = SearchVectorField()
    full_vector = SearchVectorField()
    public_norm = models.TextField(blank=True)
    full_norm = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            GinIndex(fields=["public_vector"], name="casesearch_public_fts"),
            GinIndex(fields=["full_vector"], name="casesearch_full_fts"),
            GinIndex(
                fields=["public_norm"], opclasses=["gin_trgm_ops"], name="casesearch_public_trgm"
            ),
            GinIndex(fields=["full_norm"], opclasses=["gin_trgm_ops"], name="casesearch_full_trgm"),
        ]

    def __str__(self):
        return f"search words of {self.complaint_id}"
