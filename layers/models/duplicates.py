"""What officers decided about suggested duplicates (issue 8): every link, dismissal and
"kept separate" is kept, so the score's threshold can be tuned on our own labels later, and a
dismissed pair is not suggested again (``layers.selectors.duplicates.duplicates_for_case``)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DuplicateDecisionKind(models.TextChoices):
    LINKED = "linked", _("marked as a duplicate")
    DISMISSED = "dismissed", _("not a duplicate")
    KEPT_SEPARATE = "kept_separate", _("saved as a separate case")


class DuplicateDecision(models.Model):
    """One officer's decision about one suggested pair: ``case`` is the case they worked on,
    ``candidate`` the suggestion. Rows are added, never changed: the latest for a pair holds."""

    case = models.ForeignKey(
        "layers.Complaint", on_delete=models.CASCADE, related_name="duplicate_decisions"
    )
    candidate = models.ForeignKey("layers.Complaint", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("decision"), max_length=16, choices=DuplicateDecisionKind.choices)
    # The candidate's score when it was decided (the threshold is tuned on these).
    score = models.FloatField(_("score at the time"))
    decided_by = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("duplicate decision")
        verbose_name_plural = _("duplicate decisions")
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["case", "candidate"], name="dupdecision_pair"),
            models.Index(fields=["candidate", "case"], name="dupdecision_pair_rev"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(case=models.F("candidate")), name="dupdecision_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.case_id} ~ {self.candidate_id}: {self.decision}"
