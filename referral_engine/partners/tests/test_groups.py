"""Networking groups and events: members, attendance, and the referrals and touchpoints attributed to them.

Acme's "Harbour BNI" meets at event M1; M2 is an event of no group.
  Ra  from Ewa, marked with the group, won  800
  Rb  from event M1,                     won 1200
  Rc  from event M1, marked with the group too, open (counted once)
  Rd  from event M2,                     won   50 (not the group's)
Group: 3 referrals, 2 won, 2000 won value. M1: 2 referrals, 1200 won. M2: 1 referral, 50.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from referral_engine.core.testing import make_account
from referral_engine.partners.models import Attendance, Event, GroupMembership, NetworkingGroup, Partner
from referral_engine.partners.tests.ledger_firm import at
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.relationships.models import Channel, Direction, Touchpoint, TouchpointKind
from referral_engine.relationships.services import touchpoint_create


@pytest.fixture
def world(firm):
    ws = firm.workspace
    bni = NetworkingGroup.objects.create(workspace=ws, name="Harbour BNI", kind="bni", meets="Thursdays 7am")
    ewa = Partner.objects.create(workspace=ws, name="Ewa Nowak", profession="accountant")
    m1 = Event.objects.create(
        workspace=ws, name="BNI breakfast", networking_group=bni, starts_at=at(2026, 3, 5)
    )
    m2 = Event.objects.create(workspace=ws, name="Open day", kind="hosted", starts_at=at(2026, 4, 1))

    def referral(**fields):
        won = fields.pop("won", None)
        if won is not None:
            fields.update(status=ReferralStatus.WON, closed_at=at(2026, 5, 1), won_value=Decimal(won))
        return Referral.objects.create(
            workspace=ws, referred_account=make_account(ws), received_at=at(2026, 4, 2), **fields
        )

    referral(source_kind=SourceKind.PARTNER, source_partner=ewa, group=bni, won="800")
    referral(source_kind=SourceKind.EVENT, source_event=m1, won="1200")
    referral(source_kind=SourceKind.EVENT, source_event=m1, group=bni)
    referral(source_kind=SourceKind.EVENT, source_event=m2, won="50")
    touchpoint_create(
        workspace=ws,
        actor=firm.bob,
        partner=ewa,
        kind=TouchpointKind.MEETING,
        channel=Channel.IN_PERSON,
        direction=Direction.OUTBOUND,
        group=bni,
        event=m1,
        at=at(2026, 3, 5),
    )
    other = firm.other_workspace
    globex_group = NetworkingGroup.objects.create(workspace=other, name="Globex Chamber", kind="chamber")
    globex_event = Event.objects.create(workspace=other, name="Globex mixer", starts_at=at(2026, 3, 1))
    globex_partner = Partner.objects.create(workspace=other, name="Gus Globex")
    return {
        "firm": firm,
        "bni": bni,
        "ewa": ewa,
        "m1": m1,
        "m2": m2,
        "globex_group": globex_group,
        "globex_event": globex_event,
        "globex_partner": globex_partner,
    }


def test_the_group_list_attributes_referrals_and_value(client, world):
    client.force_login(world["firm"].bob.user)
    html = client.get(reverse("partner_groups")).content.decode()
    row = html[html.index(f'data-group="{world["bni"].pk}"') :]
    assert '<td class="px-3 py-2 text-right" data-testid="group-referrals">3</td>' in row
    assert "EUR 2,000.00" in row and "Globex Chamber" not in html


def test_the_group_page_members_meetings_and_referrals(client, world):
    firm, bni = world["firm"], world["bni"]
    client.force_login(firm.bob.user)
    url = reverse("partner_group_detail", args=[bni.pk])
    html = client.get(url).content.decode()
    assert "3 referrals, 2 won, EUR 2,000.00" in html and "1 touchpoint" in html and "BNI breakfast" in html
    assert client.post(url, {"partner": world["ewa"].pk}).status_code == 302
    assert client.post(url, {"employee": firm.bob.pk}).status_code == 302
    assert set(GroupMembership.objects.values_list("partner__name", "employee_id")) == {
        ("Ewa Nowak", None),
        (None, firm.bob.pk),
    }
    html = client.get(url).content.decode()
    assert "Ewa Nowak" in html and "Bob Baker" in html


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "partner"),  # nobody
        ({"partner": "EWA", "employee": "BOB"}, "partner"),  # both
        ({"partner": "GLOBEX"}, "partner"),  # another firm's partner
        ({"employee": "CAROL"}, "employee"),  # a partner sign-in is not one of us
        ({"partner": "EWA_AGAIN"}, "partner"),  # already a member
    ],
)
def test_bad_members_are_refused_and_nothing_written(client, world, data, field):
    firm = world["firm"]
    GroupMembership.objects.create(workspace=firm.workspace, group=world["bni"], partner=world["ewa"])
    ids = {
        "EWA": world["ewa"].pk,
        "EWA_AGAIN": world["ewa"].pk,
        "BOB": firm.bob.pk,
        "GLOBEX": world["globex_partner"].pk,
        "CAROL": firm.carol.pk,
    }
    client.force_login(firm.alice.user)
    answer = client.post(
        reverse("partner_group_detail", args=[world["bni"].pk]), {k: ids[v] for k, v in data.items()}
    )
    assert answer.status_code == 400
    form = answer.context["form"]
    assert form.errors and (field in form.errors or "__all__" in form.errors)
    assert GroupMembership.objects.count() == 1


def test_the_event_list_and_page(client, world):
    firm = world["firm"]
    client.force_login(firm.alice.user)
    html = client.get(reverse("partner_events")).content.decode()
    m1_row = html[html.index(f'data-event="{world["m1"].pk}"') :]
    assert "EUR 1,200.00" in m1_row.split("</tr>")[0]
    m2_row = html[html.index(f'data-event="{world["m2"].pk}"') :]
    assert "EUR 50.00" in m2_row.split("</tr>")[0] and "Globex mixer" not in html
    url = reverse("partner_event_detail", args=[world["m1"].pk])
    assert "2 referrals, EUR 1,200.00 won" in client.get(url).content.decode()
    assert client.post(url, {"partner": world["ewa"].pk}).status_code == 302
    assert client.post(url, {"partner": world["ewa"].pk}).status_code == 400  # once
    assert client.post(url, {"partner": world["globex_partner"].pk}).status_code == 400
    assert list(Attendance.objects.values_list("partner__name", flat=True)) == ["Ewa Nowak"]


def test_group_and_event_pages_are_404_outside_the_firm(client, world):
    firm = world["firm"]
    urls = [
        reverse("partner_group_detail", args=[world["bni"].pk]),
        reverse("partner_event_detail", args=[world["m1"].pk]),
    ]
    client.force_login(firm.dave.user)
    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url, {"employee": firm.dave.pk}).status_code == 404
    html = client.get(reverse("partner_groups")).content.decode()
    assert "Globex Chamber" in html and "Harbour BNI" not in html
    client.force_login(firm.carol.user)
    for url in [*urls, reverse("partner_groups"), reverse("partner_events")]:
        assert client.get(url).status_code == 404
    assert not GroupMembership.objects.exists() and not Attendance.objects.exists()


def test_attribution_stays_in_the_workspace(world):
    firm = world["firm"]
    ws = firm.workspace
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=Referral.objects.filter(workspace=ws).first().pk).update(
            group=world["globex_group"]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.filter(workspace=ws).update(group=world["globex_group"])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        touchpoint_create(
            workspace=ws,
            actor=firm.bob,
            partner=world["ewa"],
            kind=TouchpointKind.CALL,
            channel=Channel.PHONE,
            direction=Direction.OUTBOUND,
            group=world["globex_group"],
        )
    assert "group" in exc.value.message_dict
    assert Touchpoint.objects.filter(workspace=ws).count() == 1
