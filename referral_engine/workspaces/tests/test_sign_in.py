import re

import pytest
from django.urls import reverse

from referral_engine.core.testing import PASSWORD


def _sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password, **extra})


def test_the_sign_in_page_is_styled_and_asks_for_email_and_password(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "unfold/css/styles.css" in html
    assert 'name="username"' in html and 'type="email"' in html and 'name="password"' in html


@pytest.mark.parametrize(
    ("person", "home"), [("alice", "/"), ("bob", "/"), ("dave", "/"), ("carol", "/portal/")]
)
def test_everyone_signs_in_with_email_and_password_and_lands_on_their_page(client, firm, person, home):
    email = getattr(firm, person).user.email
    response = _sign_in(client, email.upper())
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).redirect_chain[-1:] in ([], [(home, 302)])
    assert client.get(home).status_code == 200


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client, firm):
    response = _sign_in(client, "alice@acme.test", "wrong-password")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_sends_you_back_where_you_were_going_but_never_off_site(client, firm):
    assert _sign_in(client, "bob@acme.test", next="/settings/")["Location"] == "/settings/"
    client.logout()
    assert _sign_in(client, "bob@acme.test", next="https://evil.test/")["Location"] == "/"


def test_signing_out_is_a_post_and_ends_the_session(client, firm):
    client.force_login(firm.bob.user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("name", ["today", "settings", "profile", "portal"])
def test_every_page_asks_someone_signed_out_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=")


def test_repeated_failed_sign_ins_lock_the_account_for_a_while_with_a_clear_page(client, firm, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    for email in ("alice@acme.test", "Alice@acme.test", "ALICE@ACME.TEST", "alice@acme.test"):
        assert _sign_in(client, email, "guess").status_code == 200

    locked = _sign_in(client, "alice@acme.test", "guess")
    then_right = _sign_in(client, "alice@acme.test")

    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed sign-ins" in html and "15 minutes" in html and "alice@acme.test" in html
    assert then_right.status_code == 429, "the right password does not help while locked"
    assert "_auth_user_id" not in client.session
    # Only that address from this client is locked: a colleague still signs in.
    assert _sign_in(client, "bob@acme.test").status_code == 302


def test_a_reset_password_email_arrives_and_its_link_sets_a_new_password(client, firm, smtp_server):
    response = client.post(reverse("password_reset"), {"email": "Bob@Acme.test"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")

    assert [m["X-Envelope-To"] for m in smtp_server.messages] == ["bob@acme.test"]
    assert smtp_server.messages[0]["Subject"] == "Set a new password for Referral Engine"
    link = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/[^\s]+/)", smtp_server.body()).group(1)

    form_page = client.get(link, follow=True)  # Django swaps the token for a session value, then redirects
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    bad = client.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert "new_password2" in bad.context["form"].errors
    done = client.post(
        set_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"}
    )

    assert done["Location"] == reverse("password_reset_complete")
    firm.bob.user.refresh_from_db()
    assert firm.bob.user.check_password("a-brand-new-passphrase")
    assert "has expired or has already been used" in client.get(link, follow=True).content.decode()


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, firm, smtp_server):
    response = client.post(reverse("password_reset"), {"email": "nobody@nowhere.test"}, follow=True)
    assert "If an account uses that address" in response.content.decode()
    assert smtp_server.messages == []
