"""The public side (issue 11): counted attempts behind the filing and tracking throttles."""

from django.db import models


class PublicAttemptKind(models.TextChoices):
    FILING_ADDRESS = "filing_address"
    FILING_PHONE = "filing_phone"
    PIN_FAILURE = "pin_failure"
    # Wrong number/PIN pairs from one client address, whatever the numbers.
    TRACK_ADDRESS = "track_address"


class PublicAttempt(models.Model):
    """One counted attempt: a complaint filed online from an address or with a phone, or a
    wrong tracking PIN for a number. ``key`` is a keyed hash (``layers.identity``-style HMAC
    of the address, the phone or the tracking number), never the value itself, so the table
    holds no personal data. Counted in PostgreSQL, so every server process sees the same
    counts; rows older than the longest window are removed by the nightly job."""

    kind = models.CharField(max_length=16, choices=PublicAttemptKind.choices)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "at"], name="public_attempt_key_at")]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
