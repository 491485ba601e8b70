"""The public form a personal link opens: it records the referral with its source, and resists abuse."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from referral_engine.engagement.models import Task, TaskKind
from referral_engine.intake.models import IntakeAttempt
from referral_engine.intake.services import intake_attempts_purge, ip_digest, referral_link_revoke
from referral_engine.intake.tasks import purge_intake_attempts
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.relationships.models import Account, Contact

FORM = {
    "company": "Fabrikam",
    "person": "Fiona Fox",
    "email": "Fiona@Fabrikam.test",
    "phone": "+44 20 7946 0000",
    "story": "Ann said you sorted out their onboarding in a week.",
    "website": "",
}


def _url(link) -> str:
    return reverse("referral_link_form", args=[link.code])


def _without_csrf(response) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())


def _written() -> tuple[int, int, int, int, int]:
    return (
        Referral.objects.count(),
        Account.objects.count(),
        Contact.objects.count(),
        Task.objects.count(),
        IntakeAttempt.objects.count(),
    )


def test_the_page_names_the_referrer_and_the_firm_without_sign_in(client, firm, ann_link):
    page = client.get(_url(ann_link))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ann is recommending you to Acme Advisory" in text
    assert 'name="csrfmiddlewaretoken"' in text
    # The honeypot is in the form, out of sight.
    assert 'name="website"' in text and 'aria-hidden="true"' in text
    # The referrer's surname, e-mail and owner are not the visitor's business.
    assert "Able" not in text and "ann@initech.test" not in text and "Bob" not in text


def test_the_code_works_in_any_case(client, ann_link):
    assert client.get(f"/r/{ann_link.code.lower()}/").status_code == 200


def test_submitting_records_the_referral_from_the_referrer_with_its_owner_and_a_thank_you(
    client, firm, ann, ann_link
):
    response = client.post(_url(ann_link), FORM, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    assert response["Location"] == reverse("referral_link_thanks", args=[ann_link.code])
    referral = Referral.objects.get()
    assert referral.workspace == firm.workspace
    assert (referral.source_kind, referral.source_contact, referral.owner) == (
        SourceKind.CUSTOMER,
        ann,
        firm.bob,
    )
    assert referral.referred_account.name == "Fabrikam"
    contact = referral.referred_contact
    assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
        "Fiona",
        "Fox",
        "fiona@fabrikam.test",
        "+44 20 7946 0000",
    )
    assert (referral.story, referral.status, referral.tier) == (FORM["story"], ReferralStatus.RECEIVED, 1)
    thanks = Task.objects.get(referral=referral, kind=TaskKind.THANK)
    assert thanks.assignee == firm.bob and "Ann Able" in thanks.title
    attempt = IntakeAttempt.objects.get()
    assert (attempt.link, attempt.workspace) == (ann_link, firm.workspace)
    # The address is kept only as a keyed digest.
    assert attempt.ip_digest == ip_digest("203.0.113.7") and "203.0.113.7" not in attempt.ip_digest

    thanks_page = client.get(response["Location"])
    assert thanks_page.status_code == 200
    assert "Acme Advisory has your details" in thanks_page.content.decode()


def test_unknown_and_revoked_codes_get_the_same_404_that_reveals_nothing(client, firm, ann_link):
    before = _written()
    unknown = client.get("/r/ZZZZZZZZ/")
    code = ann_link.code
    referral_link_revoke(link=ann_link, actor=firm.alice)
    revoked = client.get(f"/r/{code}/")
    posted = client.post(f"/r/{code}/", FORM)
    thanks = client.get(f"/r/{code}/thanks/")

    assert {unknown.status_code, revoked.status_code, posted.status_code, thanks.status_code} == {404}
    # The same page, but for the masked CSRF token every page carries.
    assert _without_csrf(unknown) == _without_csrf(revoked)
    assert b"Acme" not in revoked.content and b"Ann" not in revoked.content
    assert _written() == before


def test_the_link_of_an_employee_who_left_stops_working(client, firm):
    from referral_engine.intake.services import referral_link_get_or_create

    link = referral_link_get_or_create(workspace=firm.workspace, actor=firm.alice, employee=firm.bob)[0]
    assert client.get(_url(link)).status_code == 200
    firm.bob.is_active = False
    firm.bob.save()
    assert client.get(_url(link)).status_code == 404
    assert client.post(_url(link), FORM).status_code == 404
    assert not Referral.objects.exists()


def test_invalid_input_is_shown_beside_the_fields_and_nothing_is_written(client, firm, ann_link):
    before = _written()
    response = client.post(
        _url(ann_link), {"company": "", "person": "", "email": "not-an-address", "website": ""}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"company", "person", "email"}
    assert "Enter a valid email address." in response.content.decode()
    assert _written() == before

    neither = client.post(_url(ann_link), {**FORM, "email": "", "phone": ""})
    assert neither.status_code == 400
    assert "Give an e-mail address or a phone number" in neither.content.decode()
    too_long = client.post(_url(ann_link), {**FORM, "company": "x" * 201})
    assert too_long.status_code == 400 and "company" in too_long.context["form"].errors
    # A name the form accepts but the contact cannot hold (a surname over 100 characters): beside the name.
    long_surname = client.post(_url(ann_link), {**FORM, "person": "Fiona " + "y" * 150})
    assert long_surname.status_code == 400
    assert list(long_surname.context["form"].errors) == ["person"]
    assert _written() == before


def test_a_filled_honeypot_pretends_success_and_writes_nothing(client, firm, ann_link):
    before = _written()
    response = client.post(_url(ann_link), {**FORM, "website": "http://spam.example"})

    assert response.status_code == 302
    assert response["Location"] == reverse("referral_link_thanks", args=[ann_link.code])
    assert _written() == before


def test_an_address_is_limited_per_window_with_a_429_and_a_message(client, firm, ann, ann_link, settings):
    settings.REFERRAL_FORM_IP_LIMIT = 3
    for n in range(3):
        response = client.post(
            _url(ann_link), {**FORM, "company": f"Company {n}"}, REMOTE_ADDR="198.51.100.1"
        )
        assert response.status_code == 302
    before = _written()

    refused = client.post(_url(ann_link), {**FORM, "company": "Company 4"}, REMOTE_ADDR="198.51.100.1")

    assert refused.status_code == 429
    assert "Please wait a little and try again" in refused.content.decode()
    assert int(refused["Retry-After"]) == 600
    assert _written() == before
    # Another address is not held back; the window's end frees the first one.
    assert (
        client.post(_url(ann_link), {**FORM, "company": "Company 5"}, REMOTE_ADDR="198.51.100.2").status_code
        == 302
    )
    IntakeAttempt.objects.update(at=timezone.now() - timedelta(minutes=11))
    assert (
        client.post(_url(ann_link), {**FORM, "company": "Company 6"}, REMOTE_ADDR="198.51.100.1").status_code
        == 302
    )


def test_a_link_is_limited_per_day_whatever_the_address(client, firm, ann_link, settings):
    settings.REFERRAL_FORM_LINK_DAILY_LIMIT = 4
    for n in range(4):
        assert (
            client.post(
                _url(ann_link), {**FORM, "company": f"Co {n}"}, REMOTE_ADDR=f"192.0.2.{n}"
            ).status_code
            == 302
        )
    before = _written()

    refused = client.post(_url(ann_link), {**FORM, "company": "Co 9"}, REMOTE_ADDR="192.0.2.99")

    assert refused.status_code == 429
    assert "resting until tomorrow" in refused.content.decode()
    assert _written() == before
    # Other links are not affected.
    from referral_engine.intake.services import referral_link_get_or_create

    bob_link = referral_link_get_or_create(workspace=firm.workspace, actor=firm.bob, employee=firm.bob)[0]
    assert client.post(_url(bob_link), FORM, REMOTE_ADDR="192.0.2.99").status_code == 302


def test_the_limit_counts_with_one_query(client, firm, ann_link, django_assert_num_queries):
    from referral_engine.intake.services import referral_link_rate_check

    with django_assert_num_queries(1):
        referral_link_rate_check(link=ann_link, ip="192.0.2.1")


def test_behind_trusted_proxies_the_address_comes_from_x_forwarded_for(client, firm, ann_link, settings):
    settings.REFERRAL_FORM_IP_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    # The client may put anything in front; the proxy appends the address it saw.
    first = client.post(
        _url(ann_link), FORM, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.50"
    )
    assert first.status_code == 302
    assert IntakeAttempt.objects.get().ip_digest == ip_digest("203.0.113.50")
    # A forged left-hand entry does not make a new client.
    forged = client.post(
        _url(ann_link),
        {**FORM, "company": "Other"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.50",
    )
    assert forged.status_code == 429
    # Without trusted proxies the header is ignored: every request here comes from 10.0.0.1.
    settings.TRUSTED_PROXY_COUNT = 0
    IntakeAttempt.objects.all().delete()
    client.post(
        _url(ann_link),
        {**FORM, "company": "Third"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert IntakeAttempt.objects.get().ip_digest == ip_digest("10.0.0.1")


def test_an_oversized_body_gets_413_before_it_is_read(firm, ann_link, settings):
    settings.REFERRAL_FORM_MAX_BYTES = 16 * 1024
    # CSRF checks on: a body read for its token would fail with 403; 413 shows it was refused before that.
    client = Client(enforce_csrf_checks=True)
    before = _written()
    response = client.post(_url(ann_link), {**FORM, "story": "x" * 20_000})

    assert response.status_code == 413
    assert "too much to send" in response.content.decode()
    assert _written() == before


def test_csrf_stays_on(firm, ann_link):
    client = Client(enforce_csrf_checks=True)
    before = _written()
    assert client.post(_url(ann_link), FORM).status_code == 403

    page = client.get(_url(ann_link))
    token = page.context["csrf_token"]
    assert client.post(_url(ann_link), {**FORM, "csrfmiddlewaretoken": str(token)}).status_code == 302
    assert Referral.objects.count() == before[0] + 1


SCRIPT = '<script>alert("x")</script>'


def test_a_script_in_a_field_is_shown_as_text_on_the_board_and_the_referral_page(client, firm, ann_link):
    response = client.post(
        _url(ann_link), {**FORM, "company": f"Evil {SCRIPT} Ltd", "person": f"Mal {SCRIPT}", "story": SCRIPT}
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.referred_account.name == f"Evil {SCRIPT} Ltd"

    client.force_login(firm.bob.user)
    for url in (reverse("referral_board"), reverse("referral_detail", args=[referral.pk])):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert SCRIPT not in text, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text, url


def test_a_globex_link_records_only_into_globex(client, firm, globex_link):
    response = client.post(_url(globex_link), FORM)

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.workspace == firm.other_workspace
    assert (referral.source_employee, referral.owner) == (firm.dave, firm.dave)
    assert not Referral.objects.filter(workspace=firm.workspace).exists()
    assert not Account.objects.filter(workspace=firm.workspace, name="Fabrikam").exists()


@pytest.mark.django_db
def test_old_attempts_are_purged_by_the_scheduled_job(firm, ann_link, settings):
    from referral_engine.integrations.schedule import registered

    assert "referral_engine.intake.tasks.purge_intake_attempts" in [job.task_path for job in registered()]
    now = timezone.now()
    for hours in (1, 23, 25, 48):
        IntakeAttempt.objects.create(
            workspace=firm.workspace,
            link=ann_link,
            ip_digest=ip_digest("192.0.2.1"),
            at=now - timedelta(hours=hours),
        )
    assert intake_attempts_purge(now=now) == 2
    assert sorted(IntakeAttempt.objects.values_list("at", flat=True)) == [
        now - timedelta(hours=23),
        now - timedelta(hours=1),
    ]
    IntakeAttempt.objects.update(at=now - timedelta(days=3))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    purge_intake_attempts.enqueue()
    assert not IntakeAttempt.objects.exists()


def test_a_code_typed_at_r_opens_its_form(client, ann_link):
    assert client.get("/r/").status_code == 200
    response = client.get("/r/", {"code": f" {ann_link.code.lower()} "})
    assert response.status_code == 302 and response["Location"] == _url(ann_link)
    assert client.get("/r/", {"code": "NOPE2345"}).status_code == 404
