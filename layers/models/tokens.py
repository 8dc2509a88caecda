"""Personal API tokens: how QGIS, GDAL and scripts call the API as an officer.

An officer creates a token on the profile page (or an administrator with ``manage.py api_token
create``); its key is shown once and only its SHA-256 digest is stored, with the key's first
characters (``prefix``) to find the row and to recognise the token in lists. A token acts as
its officer, with the officer's current roles and areas: it grants nothing of its own. It
stops working when it expires, is revoked, or its officer is deactivated
(``layers.services.tokens``).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    officer = models.ForeignKey(
        "layers.Officer",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("officer"),
    )
    name = models.CharField(_("name"), max_length=80)
    # The key is "dmr_<prefix>_<secret>": the prefix is not secret (shown in lists, the admin).
    prefix = models.CharField(_("key prefix"), max_length=8, unique=True)
    # SHA-256 of the whole key, hex: the key itself is never stored.
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    # Written at most every API_TOKEN_TOUCH_SECONDS, not on every request.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "layers.Officer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (dmr_{self.prefix}…)"

    @property
    def display_key(self) -> str:
        """What lists show of the key: its public prefix."""
        return f"dmr_{self.prefix}_…"

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def is_active(self, now=None) -> bool:
        return not self.is_revoked() and not self.is_expired(now)

    @property
    def state(self) -> str:
        if self.is_revoked():
            return "revoked"
        if self.is_expired():
            return "expired"
        return "active"
