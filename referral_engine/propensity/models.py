"""Propensity to refer: each training run of a workspace's model and each contact's latest score.

A run keeps what it measured and the fitted model as plain JSON (feature means and scales, coefficients, the
Platt calibration) so scoring needs no pickle; `services.propensity_score` reads the latest usable run.
"""

from django.db import models
from django.db.models import Q

from referral_engine.core.models import WorkspaceOwned


class PropensityRun(WorkspaceOwned):
    """One training of the model on a workspace's history, with its time-ordered validation."""

    trained_at = models.DateTimeField()
    method = models.CharField(
        max_length=40, help_text='"logistic" (the model ranks), or "rules" when too little history.'
    )
    auc = models.FloatField(null=True, blank=True, help_text="ROC AUC on the later, held-out snapshots.")
    calibration_error = models.FloatField(
        null=True, blank=True, help_text="Expected calibration error over 10 equal-width bins, held out."
    )
    brier = models.FloatField(null=True, blank=True, help_text="Brier score on the held-out snapshots.")
    examples = models.PositiveIntegerField(default=0, help_text="Contact-snapshot pairs, all snapshots.")
    positives = models.PositiveIntegerField(
        default=0, help_text="Of which the contact referred within 90 days."
    )
    test_examples = models.PositiveIntegerField(default=0)
    test_positives = models.PositiveIntegerField(default=0)
    snapshots = models.JSONField(default=list, blank=True, help_text="Snapshot dates, ISO, oldest first.")
    test_from = models.DateField(null=True, blank=True, help_text="First held-out snapshot.")
    fallback_reason = models.CharField(max_length=300, blank=True)
    calibration = models.JSONField(
        default=list, blank=True, help_text="[{bin, predicted, observed, count}] on the held-out snapshots."
    )
    params = models.JSONField(default=dict, blank=True, help_text="The fitted model, as JSON (no pickles).")
    seconds = models.JSONField(default=dict, blank=True, help_text="Seconds per phase.")
    scored = models.PositiveIntegerField(default=0, help_text="Contacts scored with this run.")
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["workspace", "trained_at"], name="propensityrun_ws_trained")]
        constraints = [
            models.CheckConstraint(
                condition=Q(auc__isnull=True) | (Q(auc__gte=0) & Q(auc__lte=1)), name="propensityrun_auc_0_1"
            ),
            models.CheckConstraint(
                condition=Q(positives__lte=models.F("examples")), name="propensityrun_pos_le_n"
            ),
        ]

    def __str__(self) -> str:
        return f"Propensity run of {self.trained_at:%Y-%m-%d %H:%M}"

    @property
    def is_fallback(self) -> bool:
        return bool(self.fallback_reason)


class PropensityScore(WorkspaceOwned):
    """A contact's calibrated probability of making a referral within the next 90 days, and why."""

    contact = models.OneToOneField(
        "relationships.Contact", on_delete=models.CASCADE, related_name="propensity"
    )
    run = models.ForeignKey(PropensityRun, on_delete=models.CASCADE, related_name="scores")
    probability = models.FloatField()
    reasons = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"feature", "label", "text", "value", "contribution"}], largest first.',
    )
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["-probability", "id"]
        indexes = [models.Index(fields=["workspace", "-probability"], name="propensityscore_ws_prob")]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1), name="propensityscore_prob_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.probability:.3f}"
