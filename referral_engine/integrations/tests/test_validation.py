import pytest
from django.core.exceptions import ValidationError

from referral_engine.integrations.services import (
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_event_emit,
)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "ftp://hooks.example.com/x",
        "http://hooks.example.com/x",  # plain http to a public host
        "https://user:pw@hooks.example.com/x",
        "http://10.0.0.5/x",
        "https://192.168.1.1/x",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_invalid_urls_are_refused_on_the_url_field(firm, url):
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(workspace=firm.workspace, url=url, events=["referral.won"])
    assert set(refused.value.message_dict) == {"url"}


def test_local_urls_need_debug_or_the_allow_local_setting(firm, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    settings.DEBUG = False
    for url in ("http://127.0.0.1:8000/hooks", "http://localhost/hooks", "https://localhost/hooks"):
        with pytest.raises(ValidationError) as refused:
            webhook_endpoint_create(workspace=firm.workspace, url=url, events=["referral.won"])
        assert "url" in refused.value.message_dict
    settings.DEBUG = True
    assert webhook_endpoint_create(
        workspace=firm.workspace, url="http://localhost/hooks", events=["referral.won"]
    )


@pytest.mark.parametrize("events", [[], None, ["referral.exploded"], ["ping"], "referral.won"])
def test_unknown_or_missing_events_are_refused_on_the_events_field(firm, events):
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(workspace=firm.workspace, url="https://hooks.example.com/x", events=events)
    assert set(refused.value.message_dict) == {"events"}


def test_both_fields_are_reported_at_once(firm):
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(workspace=firm.workspace, url="ftp://x", events=["nope"])
    assert set(refused.value.message_dict) == {"url", "events"}


def test_a_valid_endpoint_is_saved_with_its_events_once_each_and_a_secret(firm):
    endpoint = webhook_endpoint_create(
        workspace=firm.workspace,
        url=" https://hooks.example.com/referrals ",
        events=["referral.won", "referral.received", "referral.won"],
    )
    assert endpoint.url == "https://hooks.example.com/referrals"
    assert endpoint.events == ["referral.received", "referral.won"]
    old_secret = endpoint.secret
    webhook_endpoint_update(endpoint=endpoint, rotate_secret=True)
    assert endpoint.secret != old_secret
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_update(endpoint=endpoint, url="http://hooks.example.com/")
    assert "url" in refused.value.message_dict


def test_an_unknown_event_cannot_be_emitted(firm):
    with pytest.raises(ValidationError) as refused:
        webhook_event_emit(workspace=firm.workspace, event="referral.exploded", payload={})
    assert "event" in refused.value.message_dict
