"""Webhook signatures: HMAC-SHA256 over f"{timestamp}.{raw body}" with the endpoint's secret.

Standard library only, so a receiver can copy `signature_verify` as it is (docs/webhooks.md shows how).
"""

import hashlib
import hmac
import time

SIGNATURE_PREFIX = "sha256="


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def signature_compute(secret: str, timestamp: str | int, raw_body: bytes | str) -> str:
    """The X-Referral-Engine-Signature header value for this body sent at this timestamp (unix seconds)."""
    message = _as_bytes(str(timestamp)) + b"." + _as_bytes(raw_body)
    digest = hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def signature_verify(
    secret: str,
    timestamp: str | int,
    raw_body: bytes | str,
    header: str,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """True when `header` signs exactly these bytes at this timestamp, and the timestamp is recent.

    Verify the raw body as received, before parsing it: re-serialised JSON may differ by a byte. The tolerance
    refuses a captured request replayed later; receivers should also drop an X-Referral-Engine-Delivery id they
    have already processed.
    """
    try:
        sent_at = int(str(timestamp))
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        return False
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = signature_compute(secret, sent_at, raw_body)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("ascii", "replace"))
