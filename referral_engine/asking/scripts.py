"""The built-in ask scripts, one per situation, written from the seeds' advice (seed 004: keep the ask simple,
expect no immediate answer, "there's always room for one more great client like you"; seed 003: ask in a
meeting about helping each other, never inside a support conversation). A workspace may reword any of them;
placeholders are plain {names}, filled with str.format_map and never template code."""

from dataclasses import dataclass
from string import Formatter

from referral_engine.asking.models import Situation

PLACEHOLDERS = ("first_name", "company", "employee", "firm")


@dataclass(frozen=True)
class Script:
    situation: str
    title: str
    body: str
    custom: bool = False
    id: int | None = None


BUILT_IN = {
    Situation.AFTER_GO_LIVE: Script(
        Situation.AFTER_GO_LIVE,
        "After a go-live",
        "{first_name}, congratulations on going live: it was a pleasure to get there with you.\n"
        "We are never too busy for more work like this: there is always room for one more great client "
        "like {company}. If someone you know could use the same, I would be glad to talk to them.\n"
        "No need to answer now; just keep us in mind.",
    ),
    Situation.QUARTERLY_REVIEW: Script(
        Situation.QUARTERLY_REVIEW,
        "At a quarterly review",
        "Before we close the review, {first_name}: most of our best clients came to us through people "
        "like you. Is there a colleague, a supplier or a friend in another company who is facing what you "
        "faced a year ago?\n"
        "There is always room for one more great client like {company}. No answer needed today.",
    ),
    Situation.TO_PARTNER: Script(
        Situation.TO_PARTNER,
        "To a partner",
        "{first_name}, could we book half an hour just on how we can help each other? I would like to "
        "hear who your ideal client is this year, and tell you about ours, so we each know whom to "
        "introduce. No sales talk, and nothing to decide on the spot.",
    ),
    Situation.AFTER_PROMOTER: Script(
        Situation.AFTER_PROMOTER,
        "After a promoter's answer",
        "Thank you for the kind score, {first_name}; it made the team's week.\n"
        "Since you would recommend us: who comes to mind? An introduction by e-mail is plenty, and "
        "there is no rush: there is always room for one more great client like {company}.",
    ),
}


def placeholders_in(text: str) -> set[str]:
    """The {names} a wording uses; raises ValueError on unpaired braces or a format spec."""
    names = set()
    for _, name, spec, conversion in Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"Use plain placeholders such as {{first_name}}, not {{{name}}}.")
        names.add(name)
    return names


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def script_fill(body: str, **values: str) -> str:
    """The script with its placeholders filled; a wording that does not parse is shown as written."""
    try:
        return body.format_map(_Blank(values))
    except (ValueError, IndexError, KeyError, AttributeError):
        return body
