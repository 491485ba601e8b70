import pytest

from referral_engine.core.testing import make_account, make_contact
from referral_engine.intake.services import referral_link_get_or_create


@pytest.fixture
def ann(firm):
    """A customer contact of Acme's, whose relationship bob owns."""
    initech = make_account(firm.workspace, name="Initech", status="customer")
    return make_contact(
        firm.workspace,
        first_name="Ann",
        last_name="Able",
        email="ann@initech.test",
        account=initech,
        owner=firm.bob,
    )


@pytest.fixture
def ann_link(firm, ann):
    return referral_link_get_or_create(workspace=firm.workspace, actor=firm.alice, contact=ann)[0]


@pytest.fixture
def globex_link(firm):
    """A link of Globex's: dave's own."""
    return referral_link_get_or_create(workspace=firm.other_workspace, actor=firm.dave, employee=firm.dave)[0]
