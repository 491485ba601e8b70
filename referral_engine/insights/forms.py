"""The value settings form: it parses and checks input only; services.value_settings_update writes it."""

from django import forms
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
)

from referral_engine.insights.models import ValueSettings
from referral_engine.insights.services import SETTINGS_FIELDS


class ValueSettingsForm(forms.ModelForm):
    class Meta:
        model = ValueSettings
        fields = SETTINGS_FIELDS
        labels = {
            "horizon": "Horizon",
            "horizon_unit": "Horizon unit",
            "discount_rate": "Annual discount rate",
            "default_margin": "Default margin (share of a purchase)",
            "acquisition_cost_saved": "Acquisition cost saved per referred customer",
            "tier2_weight": "Tier-2 weight",
            "top_share": "Top segment (share of accounts)",
            "core_share": "Core segment (share of accounts)",
            "rq_engagement": "RQ weight: engagement",
            "rq_breadth": "RQ weight: breadth of the buying circle",
            "rq_sentiment": "RQ weight: sentiment (latest NPS)",
            "rq_responsiveness": "RQ weight: responsiveness",
            "rq_reciprocity": "RQ weight: reciprocity (partners)",
            "rq_half_life_days": "RQ half-life (days)",
            "circle_expected": "Buying circle expected (decision makers and influencers)",
            "min_customers": "Minimum customers to predict",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.TypedChoiceField | forms.ChoiceField):
                field.widget = UnfoldAdminSelectWidget(choices=field.choices)
            elif isinstance(field, forms.DecimalField):
                field.widget = UnfoldAdminDecimalFieldWidget(attrs={"step": "any"})
            else:
                field.widget = UnfoldAdminIntegerFieldWidget()
            field.widget.attrs["id"] = f"id_{name}"

    def validate_unique(self):
        pass  # the service checks; the form's model is not saved by the form
