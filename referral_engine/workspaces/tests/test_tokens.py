from referral_engine.workspaces.models import ApiToken
from referral_engine.workspaces.selectors import token_membership
from referral_engine.workspaces.services import token_create, token_revoke


def test_a_token_is_stored_only_as_a_digest_and_resolves_to_its_membership(firm):
    token, raw = token_create(membership=firm.bob, name="zapier")

    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix)
    assert stored.digest == ApiToken.digest_of(raw)
    assert token_membership(raw_token=raw) == firm.bob


def test_a_revoked_or_unknown_token_resolves_to_nobody(firm):
    token, raw = token_create(membership=firm.bob)
    token_revoke(token=token)

    assert token_membership(raw_token=raw) is None
    assert token_membership(raw_token=raw + "x") is None
