"""De-duplication of a new referral: pure functions over plain strings, no database.

The selector `referral_match_candidates` narrows the candidates in SQL; these functions decide, for one candidate,
whether it is surely the same business, possibly the same, or not.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import StrEnum
from urllib.parse import urlsplit

SIMILARITY_THRESHOLD = 0.85

# Legal forms, as words after dots are dropped ("S.p.A." -> "spa", "e.K." -> "ek"). Only trailing words are
# removed, so "Co-operative Bank" or "AB Volvo" keep their name.
LEGAL_SUFFIXES = frozenset(
    {
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "nv",
        "oy",
        "oyj",
        "ab",
        "as",
        "asa",
        "aps",
        "pty",
        "plc",
        "llp",
        "lp",
        "spa",
        "srl",
        "kg",
        "ek",
        "ug",
        "kft",
        "sro",
    }
)

# Free-mail providers: an address there says nothing about the company behind it.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "mail.ru",
        "zoho.com",
        "zohomail.com",
        "fastmail.com",
        "tutanota.com",
        "mail.com",
        "ymail.com",
        "rocketmail.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "qq.com",
        "163.com",
        "naver.com",
        "rediffmail.com",
        "hey.com",
    }
)
# Providers with a domain per country (hotmail.co.uk, yahoo.fr, gmx.net, yandex.ru ...): matched by first label.
FREE_MAIL_FAMILIES = frozenset({"hotmail", "yahoo", "gmx", "yandex", "outlook", "live", "aol"})


class Level(StrEnum):
    SURE = "sure"
    POSSIBLE = "possible"
    NONE = "none"


@dataclass(frozen=True)
class Classification:
    level: Level
    reasons: list[str] = field(default_factory=list)
    similarity: float = 0.0


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalise_company(name: str | None) -> str:
    """The company name reduced to its distinctive words: "Ácme Corp." and "ACME, Inc" both give "acme"."""
    text = _fold(name or "")
    text = text.replace("&", " and ")
    # Dots and apostrophes join ("S.p.A." -> "spa", "O'Brien" -> "obrien"); other punctuation separates words.
    text = re.sub(r"[.'’`]", "", text)
    words = re.sub(r"[^\w]+|_", " ", text).split()
    while len(words) > 1 and (words[-1] in LEGAL_SUFFIXES or words[-1] == "and"):
        words.pop()
    # "Smith & Jones" and "Smith and Jones" are one name; so are they without the "and".
    words = [word for word in words if word != "and"] or words
    return " ".join(words)


def _clean_domain(domain: str) -> str | None:
    domain = _fold(domain.strip()).rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
        return None
    return domain


def is_free_mail(domain: str) -> bool:
    return domain in FREE_MAIL_DOMAINS or domain.split(".", 1)[0] in FREE_MAIL_FAMILIES


def email_domain(email: str | None) -> str | None:
    """The company domain of an e-mail address; None for a free-mail provider or something that is no address."""
    local, at, domain = (email or "").strip().rpartition("@")
    if not at or not local:
        return None
    domain = _clean_domain(domain)
    if domain is None or is_free_mail(domain):
        return None
    return domain


def domain_of_website(domain_or_url: str | None) -> str | None:
    """ "https://www.Acme.com/about" or "acme.com" -> "acme.com"; None when there is no domain in it."""
    value = (domain_or_url or "").strip()
    if not value:
        return None
    if "://" not in value:
        value = f"//{value}"
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return _clean_domain(host) if host else None


def name_similarity(a: str | None, b: str | None) -> float:
    """How alike two company names are, from 0 to 1, after normalising; word order does not matter."""
    left, right = normalise_company(a), normalise_company(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    direct = SequenceMatcher(None, left, right).ratio()
    by_words = SequenceMatcher(None, " ".join(sorted(left.split())), " ".join(sorted(right.split()))).ratio()
    return round(max(direct, by_words), 3)


def classify(
    *,
    company: str = "",
    email: str = "",
    candidate_name: str = "",
    candidate_domain: str = "",
    candidate_emails: tuple[str, ...] | list[str] = (),
    threshold: float = SIMILARITY_THRESHOLD,
) -> Classification:
    """Is the referred business (`company`, `email`) the candidate (its name, web domain, its people's e-mails)?

    Sure: the same e-mail address, the same company e-mail domain, or the same normalised name.
    Possible: names at least `threshold` alike. Otherwise none.
    """
    reasons: list[str] = []
    address = (email or "").strip().casefold()
    their_addresses = [e.strip().casefold() for e in candidate_emails if e and e.strip()]
    if address and address in their_addresses:
        reasons.append(f"same e-mail address ({address})")
    domain = email_domain(email)
    if domain:
        if domain == domain_of_website(candidate_domain):
            reasons.append(f"e-mail domain {domain} is the account's domain")
        elif any(email_domain(other) == domain for other in their_addresses if other != address):
            reasons.append(f"same e-mail domain ({domain})")
    similarity = name_similarity(company, candidate_name)
    if similarity == 1.0:
        reasons.append(f"same company name ({normalise_company(company)})")
    if reasons:
        return Classification(Level.SURE, reasons, similarity)
    if similarity >= threshold:
        return Classification(Level.POSSIBLE, [f"similar company name ({similarity:.0%} alike)"], similarity)
    return Classification(Level.NONE, [], similarity)


@dataclass
class Match:
    """One record a new referral may duplicate: `kind` is account, contact or referral, `obj` the row itself,
    `account` the company it stands for (to flag an existing or former customer)."""

    kind: str
    obj: object
    level: str
    reasons: list[str]
    similarity: float = 0.0
    account: object = None
    customer_flag: str = ""


# The values of models.CustomerFlag, kept here as plain strings so these rules need no database.
EXISTING_CUSTOMER = "existing_customer"
FORMER_CUSTOMER = "former_customer"


def customer_flag(account_status: str | None) -> tuple[str, str | None]:
    """A referral of a business that already buys from us is not new business; one that left us is worth a note."""
    if account_status == "customer":
        return EXISTING_CUSTOMER, "an existing customer referred again — not new business"
    if account_status == "churned":
        return FORMER_CUSTOMER, "a former customer (churned) referred again"
    return "", None
