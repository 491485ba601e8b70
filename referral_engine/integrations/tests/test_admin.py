from django.urls import reverse

from referral_engine.integrations.models import WebhookDelivery, WebhookEndpoint
from referral_engine.integrations.services import webhook_endpoint_create


def _staff(firm):
    for membership in (firm.alice, firm.dave):
        membership.user.is_staff = True
        membership.user.save(update_fields=["is_staff"])


def test_alice_sends_a_test_event_to_her_endpoint_from_the_back_office(
    firm, receiver, other_receiver, client, django_capture_on_commit_callbacks
):
    _staff(firm)
    mine = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.won"])
    theirs = webhook_endpoint_create(
        workspace=firm.other_workspace, url=other_receiver.url, events=["referral.won"]
    )
    receiver.secret = mine.secret
    client.force_login(firm.alice.user)

    listing = client.get(reverse("admin:integrations_webhookendpoint_changelist"))
    assert receiver.url in listing.content.decode()
    assert other_receiver.url not in listing.content.decode()
    assert (
        mine.secret
        in client.get(reverse("admin:integrations_webhookendpoint_change", args=[mine.pk])).content.decode()
    )
    assert (
        client.get(reverse("admin:integrations_webhookendpoint_change", args=[theirs.pk])).status_code == 302
    )

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("admin:integrations_webhookendpoint_changelist"),
            {"action": "send_test", "_selected_action": [mine.pk, theirs.pk]},
        )
    assert answer.status_code == 302
    [request] = receiver.requests
    assert request.headers["X-Referral-Engine-Event"] == "ping"
    assert request.signature_valid
    assert other_receiver.requests == []
    assert not WebhookDelivery.objects.filter(endpoint=theirs).exists()

    deliveries = client.get(reverse("admin:integrations_webhookdelivery_changelist"))
    assert deliveries.status_code == 200
    assert "ping" in deliveries.content.decode()


def test_the_back_office_form_shows_the_services_field_errors(firm, client):
    _staff(firm)
    client.force_login(firm.alice.user)
    answer = client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"workspace": firm.workspace.pk, "url": "http://hooks.example.com/x", "events": ["referral.won"]},
    )
    assert answer.status_code == 200
    assert "The URL must start with https://." in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()

    answer = client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {
            "workspace": firm.workspace.pk,
            "url": "https://hooks.example.com/x",
            "events": ["referral.won"],
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.workspace == firm.workspace
    assert endpoint.secret.startswith("whsec_")
