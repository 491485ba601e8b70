"""The wording of the update e-mails: plain {blanks} only, refused with a field error otherwise and nothing saved;
edited with a preview by owners and admins; never seen or changed from another workspace."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referral_engine.engagement.message_templates import fill_in, text_errors
from referral_engine.engagement.models import MessageTemplate, MessageTemplateKey
from referral_engine.engagement.selectors import message_template_get, message_template_list
from referral_engine.engagement.services import message_template_reset, message_template_save

CONTACTED = MessageTemplateKey.REFERRAL_CONTACTED.value
GOOD = {"subject": "News about {referred_company}", "body": "Hi {referrer_first_name}, we called them."}


def _save(firm, key=CONTACTED, **fields):
    return message_template_save(workspace=firm.workspace, actor=firm.alice, key=key, **{**GOOD, **fields})


# ---------------------------------------------------------------------------------------------------- blanks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hi {name}", "Unknown blank {name}"),
        ("Hi {referrer_first_name", "A brace is not paired"),
        ("Hi referrer_first_name}", "A brace is not paired"),
        ("{referrer_first_name.__class__}", "Unknown blank {referrer_first_name.__class__}"),
        ("{referred_company[0]}", "Unknown blank {referred_company[0]}"),
        ("{stage!r}", "Write the blank as {stage}, with nothing after its name."),
        ("{stage:>{firm_name}}", "Write the blank as {stage}, with nothing after its name."),
        ("{}", "A blank needs a name"),
        ("{0}", "Unknown blank {0}"),
        ("{{ request.user }}", None),  # doubled braces are text, not Django template code
        ("{% now 'Y' %}", "Unknown blank {% now 'Y' %}"),
    ],
)
def test_only_known_plain_blanks_are_accepted(text, message):
    errors = text_errors(text)
    if message is None:
        assert errors == []
    else:
        assert len(errors) == 1 and errors[0].startswith(message)


def test_filling_in_looks_up_names_only_and_leaves_everything_else_as_text():
    values = {"referrer_first_name": "Ann", "stage": "won"}
    assert fill_in("Hi {referrer_first_name}, {{literally}} {stage}.", values) == "Hi Ann, {literally} won."
    assert fill_in("{{ request.user }} {% now 'Y' %}", values) == "{ request.user } {% now 'Y' %}"
    assert fill_in("{firm_name}", values) == "{firm_name}"  # no value: left as written


# -------------------------------------------------------------------------------------------------- services


def test_a_workspace_uses_the_built_in_wording_until_it_saves_its_own(firm):
    wording = message_template_get(workspace=firm.workspace, key=CONTACTED)
    assert wording.is_default and wording.subject == "{referred_company}: we have been in touch"

    _save(
        firm, subject="  News about {referred_company}  ", body="Hi {referrer_first_name},\r\nwe called.\r\n"
    )

    row = MessageTemplate.objects.get(workspace=firm.workspace, key=CONTACTED)
    assert (row.subject, row.body, row.edited_by) == (
        "News about {referred_company}",
        "Hi {referrer_first_name},\nwe called.",
        firm.alice,
    )
    wording = message_template_get(workspace=firm.workspace, key=CONTACTED)
    assert not wording.is_default and wording.subject == "News about {referred_company}"
    assert [w.is_default for w in message_template_list(workspace=firm.workspace)] == [
        False,
        True,
        True,
        True,
        True,
    ]

    _save(firm, subject="Second try {referred_company}")
    assert MessageTemplate.objects.filter(workspace=firm.workspace).count() == 1

    message_template_reset(workspace=firm.workspace, actor=firm.alice, key=CONTACTED)
    assert message_template_get(workspace=firm.workspace, key=CONTACTED).is_default
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": "Hi {first_name}"}, "body"),
        ({"body": "Hi {referrer_first_name"}, "body"),
        ({"subject": "About {referred_company.name}"}, "subject"),
        ({"subject": "  "}, "subject"),
        ({"subject": "Two\nlines"}, "subject"),
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
    ],
)
def test_a_bad_wording_is_a_field_error_and_nothing_is_saved(firm, fields, field):
    _save(firm)

    with pytest.raises(ValidationError) as exc:
        _save(firm, **fields)

    assert list(exc.value.message_dict) == [field]
    row = MessageTemplate.objects.get(workspace=firm.workspace, key=CONTACTED)
    assert (row.subject, row.body) == (GOOD["subject"], GOOD["body"])


def test_an_unknown_key_is_a_field_error(firm):
    with pytest.raises(ValidationError) as exc:
        _save(firm, key="referral_received")
    assert "key" in exc.value.message_dict
    assert not MessageTemplate.objects.exists()


# ----------------------------------------------------------------------------------------------------- pages


def _edit_url(key=CONTACTED):
    return reverse("message_template_edit", args=[key])


def test_an_owner_rewords_an_email_with_a_preview_and_goes_back_to_the_built_in_one(firm, client):
    client.force_login(firm.alice.user)

    page = client.get(reverse("message_template_list"))
    assert page.status_code == 200
    assert "Update: the referred business was contacted" in page.content.decode()
    assert "Edit the wording" in client.get(reverse("settings")).content.decode()

    page = client.get(_edit_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "we have now been in touch with Fabrikam" in html  # the preview, with sample values
    assert "{referrer_first_name}" in html  # the list of blanks

    # Preview only: shown, not saved.
    page = client.post(
        _edit_url(), {**GOOD, "body": "Dear {referrer_first_name} of {firm_name}", "preview": "1"}
    )
    assert page.status_code == 200
    assert "Dear Carol of Acme Advisory" in page.content.decode()
    assert not MessageTemplate.objects.exists()

    # The htmx preview while typing.
    page = client.post(reverse("message_template_preview", args=[CONTACTED]), {**GOOD, "body": "Bye {stage}"})
    assert page.status_code == 200 and "Bye meeting" in page.content.decode()
    assert not MessageTemplate.objects.exists()

    page = client.post(_edit_url(), GOOD)
    assert page.status_code == 302
    assert MessageTemplate.objects.get(workspace=firm.workspace).body == GOOD["body"]
    assert "Your wording" in client.get(reverse("message_template_list")).content.decode()

    page = client.post(reverse("message_template_reset", args=[CONTACTED]))
    assert page.status_code == 302
    assert not MessageTemplate.objects.exists()


def test_a_bad_wording_on_the_page_is_shown_beside_the_field_and_nothing_is_saved(firm, client):
    client.force_login(firm.alice.user)

    page = client.post(_edit_url(), {**GOOD, "body": "Hi {first_name} <script>alert(1)</script>"})

    assert page.status_code == 400
    html = page.content.decode()
    assert "Unknown blank {first_name}" in html
    assert "<script>alert(1)</script>" not in html  # what was typed is shown escaped
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_members_and_partners_cannot_open_or_change_the_wording(firm, client, who):
    client.force_login(getattr(firm, who).user)

    if who == "bob":
        assert "Edit the wording" not in client.get(reverse("settings")).content.decode()
    assert client.get(reverse("message_template_list")).status_code == 404
    assert client.get(_edit_url()).status_code == 404
    assert client.post(_edit_url(), GOOD).status_code == 404
    assert client.post(reverse("message_template_preview", args=[CONTACTED]), GOOD).status_code == 404
    assert client.post(reverse("message_template_reset", args=[CONTACTED])).status_code == 404
    assert not MessageTemplate.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(firm, client):
    page = client.get(_edit_url())
    assert page.status_code == 302 and "/signin/" in page["Location"]


def test_an_unknown_email_is_not_found(firm, client):
    client.force_login(firm.alice.user)
    assert client.get(_edit_url("referral_received")).status_code == 404
    assert client.post(reverse("message_template_reset", args=["nope"])).status_code == 404


def test_another_workspace_neither_sees_nor_changes_our_wording(firm, client):
    _save(firm, subject="Acme secret wording {referred_company}")
    client.force_login(firm.dave.user)

    # Dave's pages show Globex's wording, the built-in one.
    html = client.get(_edit_url()).content.decode()
    assert "Acme secret wording" not in html
    assert "Acme secret wording" not in client.get(reverse("message_template_list")).content.decode()

    # What he saves and resets is Globex's.
    assert client.post(_edit_url(), {**GOOD, "subject": "Globex {referred_company}"}).status_code == 302
    assert client.post(reverse("message_template_reset", args=[CONTACTED])).status_code == 302
    acme = MessageTemplate.objects.get(workspace=firm.workspace, key=CONTACTED)
    assert acme.subject == "Acme secret wording {referred_company}"
    assert not MessageTemplate.objects.filter(workspace=firm.other_workspace).exists()


def test_in_the_back_office_another_firms_wording_does_not_exist(firm, client):
    row = _save(firm, subject="Acme secret wording {referred_company}")
    dave = firm.dave.user
    dave.is_staff = True
    dave.save(update_fields=["is_staff"])
    client.force_login(dave)

    url = reverse("admin:engagement_messagetemplate_change", args=[row.pk])
    page = client.get(url)
    assert page.status_code in (302, 404)
    assert (
        "Acme secret wording"
        not in client.get(reverse("admin:engagement_messagetemplate_changelist")).content.decode()
    )
    client.post(url, {"workspace": firm.workspace.pk, "key": CONTACTED, "subject": "Taken", "body": "Taken"})
    row.refresh_from_db()
    assert row.subject == "Acme secret wording {referred_company}"


def test_the_back_office_refuses_a_bad_wording_too(firm, client):
    alice = firm.alice.user
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    client.force_login(alice)

    page = client.post(
        reverse("admin:engagement_messagetemplate_add"),
        {"workspace": firm.workspace.pk, "key": CONTACTED, "subject": "Hi {who}", "body": "Body {"},
    )

    assert page.status_code == 200
    assert "Unknown blank {who}" in page.content.decode()
    assert not MessageTemplate.objects.exists()


# ------------------------------------------------------------------------------------------------------- API


def _api(client, firm, membership, method, path, data=None):
    return getattr(client, method)(
        f"/api/v1/message-templates{path}",
        data=data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {firm.token(membership)}"},
    )


def test_the_api_reads_saves_and_resets_the_wording(firm, client):
    listed = _api(client, firm, firm.bob, "get", "")
    assert listed.status_code == 200
    assert [t["key"] for t in listed.json()] == MessageTemplateKey.values
    assert all(t["is_default"] for t in listed.json())

    saved = _api(client, firm, firm.alice, "put", f"/{CONTACTED}", GOOD)
    assert saved.status_code == 200, saved.content
    assert saved.json() == {
        "key": CONTACTED,
        "label": "Update: the referred business was contacted",
        **GOOD,
        "is_default": False,
    }
    assert _api(client, firm, firm.bob, "get", f"/{CONTACTED}").json()["subject"] == GOOD["subject"]

    assert _api(client, firm, firm.alice, "delete", f"/{CONTACTED}").status_code == 204
    assert _api(client, firm, firm.alice, "get", f"/{CONTACTED}").json()["is_default"] is True


def test_the_api_refuses_a_bad_wording_with_a_field_error_and_saves_nothing(firm, client):
    response = _api(client, firm, firm.alice, "put", f"/{CONTACTED}", {**GOOD, "body": "Hi {name"})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "body"] and "brace" in error["msg"]
    assert not MessageTemplate.objects.exists()


def test_over_the_api_only_managers_change_it_and_never_another_workspaces(firm, client):
    _save(firm, subject="Acme secret wording {referred_company}")

    assert _api(client, firm, firm.bob, "put", f"/{CONTACTED}", GOOD).status_code == 403
    assert _api(client, firm, firm.bob, "delete", f"/{CONTACTED}").status_code == 403
    assert _api(client, firm, firm.carol, "get", "").status_code == 403
    assert _api(client, firm, firm.alice, "get", "/referral_received").status_code == 404
    assert _api(client, firm, firm.alice, "put", "/nope", GOOD).status_code == 404

    # Dave reads and changes Globex's wording only.
    assert "Acme secret" not in _api(client, firm, firm.dave, "get", f"/{CONTACTED}").content.decode()
    assert _api(client, firm, firm.dave, "put", f"/{CONTACTED}", GOOD).status_code == 200
    assert _api(client, firm, firm.dave, "delete", f"/{CONTACTED}").status_code == 204
    acme = MessageTemplate.objects.get(workspace=firm.workspace, key=CONTACTED)
    assert acme.subject == "Acme secret wording {referred_company}"
