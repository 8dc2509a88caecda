"""Sub-district operations teams (ชุดปฏิบัติการประจำตำบล, ชปต.)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """The team of one sub-district: the district centre's "rapid unit" on the ground.

    A case is routed to the team whose sub-district polygon holds its incident point. A
    sub-district without a team leaves the case in its district centre's queue.
    """

    subdistrict = models.OneToOneField(
        "boundaries.Subdistrict", on_delete=models.PROTECT, related_name="team"
    )
    # Copied from the sub-district for district-level lists without a join.
    district = models.ForeignKey(
        "boundaries.District", on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("team e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        "layers.Officer", through="layers.TeamMembership", related_name="teams"
    )

    class Meta:
        verbose_name = _("sub-district team")
        verbose_name_plural = _("sub-district teams")
        ordering = ["subdistrict_id"]

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    officer = models.ForeignKey(
        "layers.Officer", on_delete=models.CASCADE, related_name="memberships"
    )
    is_leader = models.BooleanField(_("team leader"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "officer"], name="team_membership_unique")
        ]

    def __str__(self):
        return f"{self.officer_id} in {self.team_id}"
