"""The one NinjaAPI: each area contributes its router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Referral Engine API", version="1", urls_namespace="api")
