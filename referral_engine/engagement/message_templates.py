"""The wording of the e-mails the engine sends in a workspace's name, and the safe filling-in of their blanks.

A workspace may reword each e-mail (MessageTemplate); until it does, the built-in wording below is used. Blanks
are plain names in braces, `{referrer_first_name}`, filled in from a fixed list of values. Nothing else is
interpreted: no attribute or index lookups (`{a.b}`, `{a[0]}`), no conversions or formats (`{a!r}`, `{a:>9}`),
and not the Django template engine, so the people editing the wording can never run code. A literal brace is
written twice, `{{` or `}}`, as in Python's str.format.

The built-in wording follows the seeds' voice: personal, short and warm, from a person, never a mass mailing
(seed 002: "in the times of automation ... we learned to appreciate every personal touch").
"""

from dataclasses import dataclass
from string import Formatter

from django.core.exceptions import ValidationError

from referral_engine.engagement.models import MessageTemplateKey

# Every blank a template may use, with what it becomes (shown beside the editor).
PLACEHOLDERS: dict[str, str] = {
    "referrer_first_name": "The first name of the person who referred (a partner firm's name for a firm).",
    "referred_company": "The business they referred.",
    "stage": "Where the referral stands now: contacted, meeting, proposal, won or lost.",
    "firm_name": "Your firm's name (the workspace's name).",
    "owner_name": "The colleague who looks after the referrer; your firm's name when nobody does.",
}

# The values the preview fills in.
SAMPLE_VALUES: dict[str, str] = {
    "referrer_first_name": "Carol",
    "referred_company": "Fabrikam",
    "stage": "meeting",
    "firm_name": "Acme Advisory",
    "owner_name": "Alice Archer",
}

SUBJECT_MAX = 200
BODY_MAX = 5000


@dataclass(frozen=True)
class Wording:
    key: str
    subject: str
    body: str
    is_default: bool

    @property
    def label(self) -> str:
        return MessageTemplateKey(self.key).label


_SIGN_OFF = "\n\nWarm regards,\n{owner_name}\n{firm_name}"

DEFAULTS: dict[str, tuple[str, str]] = {
    MessageTemplateKey.REFERRAL_CONTACTED: (
        "{referred_company}: we have been in touch",
        "Hi {referrer_first_name},\n\n"
        "A quick note to let you know we have now been in touch with {referred_company}. "
        "Thank you again for thinking of us: an introduction from you means a great deal.\n\n"
        "I will keep you posted as things move along." + _SIGN_OFF,
    ),
    MessageTemplateKey.REFERRAL_MEETING: (
        "{referred_company}: we have met",
        "Hi {referrer_first_name},\n\n"
        "We have just met {referred_company}. It was a good conversation, and it started with your "
        "recommendation, so I wanted you to hear it from me.\n\n"
        "More soon." + _SIGN_OFF,
    ),
    MessageTemplateKey.REFERRAL_PROPOSAL: (
        "{referred_company}: our proposal is with them",
        "Hi {referrer_first_name},\n\n"
        "We have sent {referred_company} a proposal. Whatever they decide, thank you for opening the door: "
        "it would not have happened without you.\n\n"
        "I will let you know how it goes." + _SIGN_OFF,
    ),
    MessageTemplateKey.REFERRAL_WON: (
        "Good news about {referred_company}",
        "Hi {referrer_first_name},\n\n"
        "{referred_company} has decided to work with us. Thank you: you made the introduction, and your word "
        "counted.\n\n"
        "I will be in touch personally to say thank you properly." + _SIGN_OFF,
    ),
    MessageTemplateKey.REFERRAL_LOST: (
        "{referred_company}: not this time",
        "Hi {referrer_first_name},\n\n"
        "{referred_company} has decided not to go ahead with us this time. I wanted you to hear it from me, "
        "and to thank you all the same: recommending us is a mark of trust, and we do not take it lightly.\n\n"
        "The door stays open on our side." + _SIGN_OFF,
    ),
}

# The template for an update on each referral stage (received has none: the referrer told us about it).
STAGE_KEYS: dict[str, str] = {
    "contacted": MessageTemplateKey.REFERRAL_CONTACTED,
    "meeting": MessageTemplateKey.REFERRAL_MEETING,
    "proposal": MessageTemplateKey.REFERRAL_PROPOSAL,
    "won": MessageTemplateKey.REFERRAL_WON,
    "lost": MessageTemplateKey.REFERRAL_LOST,
}


def default_wording(key: str) -> Wording:
    subject, body = DEFAULTS[MessageTemplateKey(key)]
    return Wording(key=str(key), subject=subject, body=body, is_default=True)


def _blanks(text: str) -> list[tuple[str, str | None, str | None]]:
    """The blanks of `text` as (name, conversion, format spec); ValueError when the braces do not pair up."""
    return [
        (name, conversion, spec)
        for _literal, name, spec, conversion in Formatter().parse(text)
        if name is not None
    ]


def text_errors(text: str) -> list[str]:
    """What is wrong with the blanks of one subject or body, in words; empty when it can be filled in."""
    try:
        blanks = _blanks(text)
    except ValueError:
        return ["A brace is not paired: write a blank as {name}, and a literal brace as {{ or }}."]
    errors = []
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    for name, conversion, spec in blanks:
        if name == "":
            errors.append(f"A blank needs a name: use one of {known}.")
        elif name not in PLACEHOLDERS:
            errors.append(f"Unknown blank {{{name}}}: use one of {known}.")
        elif conversion or spec:
            errors.append(f"Write the blank as {{{name}}}, with nothing after its name.")
    # Each message once, in the order met.
    return list(dict.fromkeys(errors))


def wording_check(*, subject: str, body: str) -> None:
    """Raise a ValidationError naming `subject` and/or `body` when either cannot be filled in."""
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = ["Write a subject."]
    elif "\n" in subject or "\r" in subject:
        errors["subject"] = ["The subject is one line."]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [f"Keep the subject to {SUBJECT_MAX} characters."]
    else:
        errors.update({"subject": found} if (found := text_errors(subject)) else {})
    if not body.strip():
        errors["body"] = ["Write the message."]
    elif len(body) > BODY_MAX:
        errors["body"] = [f"Keep the message to {BODY_MAX} characters."]
    else:
        errors.update({"body": found} if (found := text_errors(body)) else {})
    if errors:
        raise ValidationError(errors)


def fill_in(text: str, values: dict[str, str]) -> str:
    """`text` with each {blank} replaced by its value; `{{` and `}}` become single braces.

    Only whole names are looked up in `values`, as strings: nothing in the text can reach an attribute, an index or
    a format. A blank with no value is left as written (a template saved before a blank was retired).
    """
    parts = []
    for literal, name, _spec, _conversion in Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            parts.append(str(values[name]) if name in values else f"{{{name}}}")
    return "".join(parts)


def wording_fill_in(wording: Wording, values: dict[str, str]) -> tuple[str, str]:
    """The subject (one line) and body of `wording` filled in with `values`. A stored wording that no longer
    parses (edited outside the services) falls back to the built-in one rather than failing the caller."""
    try:
        subject, body = fill_in(wording.subject, values), fill_in(wording.body, values)
    except ValueError:
        fallback = default_wording(wording.key)
        subject, body = fill_in(fallback.subject, values), fill_in(fallback.body, values)
    return " ".join(subject.split()), body
