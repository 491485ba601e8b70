import pytest

from referral_engine.core.testing import Firm, make_firm


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def firm(db) -> Firm:
    return make_firm()
