"""Where people find their link: the contact and partner pages, the profile and the partner portal; and who may
create, renew or revoke one."""

import pytest
from django.urls import reverse

from referral_engine.intake.models import ReferralLink
from referral_engine.intake.services import referral_link_get_or_create


def _form_url(link) -> str:
    return reverse("referral_link_form", args=[link.code])


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_employees_see_a_contacts_link_with_a_copy_button(client, firm, ann, ann_link, who):
    client.force_login(getattr(firm, who).user)
    page = client.get(reverse("contact_detail", args=[ann.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Personal referral link" in text
    assert f'value="http://127.0.0.1:8000{_form_url(ann_link)}"' in text or _form_url(ann_link) in text
    assert "Copy" in text and "Revoke" in text and "New link" in text


def test_an_employee_creates_a_contacts_link_from_the_contact_page(client, firm, ann):
    client.force_login(firm.bob.user)
    page = client.get(reverse("contact_detail", args=[ann.pk]))
    assert "Create a link" in page.content.decode()

    back = reverse("contact_detail", args=[ann.pk])
    response = client.post(
        reverse("referral_link_create"), {"kind": "contact", "referrer": ann.pk, "next": back}
    )

    assert response.status_code == 302 and response["Location"] == back
    link = ReferralLink.objects.get(contact=ann, is_active=True)
    assert link.workspace == firm.workspace
    assert link.code in client.get(back).content.decode()


def test_an_employee_revokes_and_renews_a_link(client, firm, ann, ann_link):
    client.force_login(firm.bob.user)
    back = reverse("contact_detail", args=[ann.pk])

    client.post(reverse("referral_link_rotate", args=[ann_link.pk]), {"next": back})
    new = ReferralLink.objects.get(contact=ann, is_active=True)
    assert new.pk != ann_link.pk

    response = client.post(reverse("referral_link_revoke", args=[new.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert not ReferralLink.objects.filter(contact=ann, is_active=True).exists()
    assert client.get(_form_url(new)).status_code == 404


def test_a_partners_page_shows_and_creates_their_link(client, firm):
    client.force_login(firm.alice.user)
    url = reverse("partner_detail", args=[firm.carol_partner.pk])
    client.post(
        reverse("referral_link_create"), {"kind": "partner", "referrer": firm.carol_partner.pk, "next": url}
    )
    link = ReferralLink.objects.get(partner=firm.carol_partner)
    page = client.get(url)
    assert page.status_code == 200 and link.code in page.content.decode()


def test_an_employee_gets_their_own_link_on_the_profile_page(client, firm):
    client.force_login(firm.bob.user)
    page = client.get(reverse("profile"))
    assert "Your personal referral link" in page.content.decode() and "Get my link" in page.content.decode()

    response = client.post(reverse("referral_link_mine"), {"next": reverse("profile")})

    assert response.status_code == 302
    link = ReferralLink.objects.get(employee=firm.bob)
    assert link.code in client.get(reverse("profile")).content.decode()
    # Asking again keeps the same link.
    client.post(reverse("referral_link_mine"))
    assert ReferralLink.objects.filter(employee=firm.bob).count() == 1


def test_a_partner_gets_their_personal_link_in_the_portal(client, firm):
    client.force_login(firm.carol.user)
    page = client.get(reverse("portal"))
    assert "Your personal referral link" in page.content.decode()

    response = client.post(reverse("referral_link_mine"), {"next": reverse("portal")})

    assert response.status_code == 302 and response["Location"] == reverse("portal")
    link = ReferralLink.objects.get(partner=firm.carol_partner)
    text = client.get(reverse("portal")).content.decode()
    assert link.code in text
    # A partner sees their link, not the buttons that manage links.
    assert "Revoke" not in text


def test_a_partner_cannot_manage_links(client, firm, ann, ann_link):
    client.force_login(firm.carol.user)
    assert (
        client.post(reverse("referral_link_create"), {"kind": "contact", "referrer": ann.pk}).status_code
        == 404
    )
    assert client.post(reverse("referral_link_revoke", args=[ann_link.pk])).status_code == 404
    assert client.post(reverse("referral_link_rotate", args=[ann_link.pk])).status_code == 404
    ann_link.refresh_from_db()
    assert ann_link.is_active and ReferralLink.objects.count() == 1


def test_another_workspaces_employee_gets_404_for_acmes_links_and_referrers(client, firm, ann, ann_link):
    client.force_login(firm.dave.user)
    assert (
        client.post(reverse("referral_link_create"), {"kind": "contact", "referrer": ann.pk}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("referral_link_create"), {"kind": "partner", "referrer": firm.carol_partner.pk}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("referral_link_create"), {"kind": "employee", "referrer": firm.bob.pk}
        ).status_code
        == 404
    )
    assert client.post(reverse("referral_link_revoke", args=[ann_link.pk])).status_code == 404
    assert client.post(reverse("referral_link_rotate", args=[ann_link.pk])).status_code == 404
    ann_link.refresh_from_db()
    assert ann_link.is_active and ReferralLink.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in_for_the_buttons(client, ann_link):
    for url in (
        reverse("referral_link_create"),
        reverse("referral_link_mine"),
        reverse("referral_link_revoke", args=[ann_link.pk]),
    ):
        response = client.post(url)
        assert response.status_code == 302 and "/signin/" in response["Location"], url
    ann_link.refresh_from_db()
    assert ann_link.is_active


def test_a_bad_create_request_is_refused(client, firm):
    client.force_login(firm.bob.user)
    assert (
        client.post(reverse("referral_link_create"), {"kind": "nobody", "referrer": "x"}).status_code == 400
    )
    assert client.get(reverse("referral_link_create")).status_code == 405
    assert not ReferralLink.objects.exists()


def test_the_buttons_never_redirect_off_site(client, firm, ann):
    client.force_login(firm.bob.user)
    response = client.post(
        reverse("referral_link_create"),
        {"kind": "contact", "referrer": ann.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("contact_detail", args=[ann.pk])


def test_the_contact_page_costs_the_same_queries_with_or_without_a_link(
    client, firm, ann, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(firm.bob.user)
    client.get(reverse("contact_detail", args=[ann.pk]))  # the session and caches settle
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("contact_detail", args=[ann.pk]))
    referral_link_get_or_create(workspace=firm.workspace, actor=None, contact=ann)
    with django_assert_max_num_queries(len(without)):
        client.get(reverse("contact_detail", args=[ann.pk]))
