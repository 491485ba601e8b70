"""A content digest of a demo workspace that ignores ids, timestamps and secrets, to compare two generations."""

import hashlib

from django.db import models

from referral_engine.demo.generator import BULK_MODELS
from referral_engine.feedback.models import NpsResponse
from referral_engine.referrals.models import Referral
from referral_engine.workspaces.models import Membership, Workspace

# Written when the row is, or secret: never part of the content.
SKIPPED = {"id", "created_at", "updated_at", "workspace_id", "token_digest"}


def firm_digest(workspace: Workspace) -> str:
    """SHA-256 over every row of the workspace in id order, each reference replaced by the referenced row's
    position in its own table, and the workspace's own e-mail domain by a placeholder."""
    tables = (Membership, *BULK_MODELS)
    position = {
        model: {
            pk: i
            for i, pk in enumerate(
                model.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True)
            )
        }
        for model in tables
    }
    domain = f"@{workspace.slug}.example"
    digest = hashlib.sha256()
    for model in tables:
        fields = [f for f in model._meta.concrete_fields if f.attname not in SKIPPED]
        rows = model.objects.filter(workspace=workspace).order_by("id")
        if model is Membership:
            rows = rows.select_related("user")
        for obj in rows:
            values = []
            for f in fields:
                value = getattr(obj, f.attname)
                if isinstance(f, models.ForeignKey) and f.related_model in position:
                    value = None if value is None else position[f.related_model][value]
                elif model is Membership and f.attname == "user_id":
                    value = obj.user.email.replace(domain, "@<slug>.example")
                elif f.attname == "dedupe_key" and value.startswith(("referral:", "nps:")):
                    # The gratitude engine's keys carry the referral's id, the closed loop's the answer's.
                    prefix, pk, rest = value.split(":", 2)
                    referenced = Referral if prefix == "referral" else NpsResponse
                    value = f"{prefix}:{position[referenced][int(pk)]}:{rest}"
                elif isinstance(value, str):
                    value = value.replace(domain, "@<slug>.example")
                values.append(value)
            digest.update(repr((model._meta.label, values)).encode())
    return digest.hexdigest()
