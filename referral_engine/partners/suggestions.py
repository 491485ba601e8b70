"""Who to refer to whom: which of our customers could use which partner.

Fit is the cosine similarity of TF-IDF vectors between an account's needs and a partner's profession plus target
market: term frequency (sublinear, 1 + ln tf) times the smoothed inverse document frequency
idf(t) = ln((1 + n) / (1 + df(t))) + 1 over the n texts of the workspace (every account with needs and every
partner), rows L2-normalised so a dot product is the cosine - the same figures as scikit-learn's
TfidfVectorizer(sublinear_tf=True). Words are lower-cased, English stop words dropped, suffixes lightly stripped
("accounting" and "accountant" both become "account"). Accounts with the same needs text share one vector, so the
work grows with the number of distinct texts, not of accounts; df counts every account.

Relationship, in [0, 1]: the account's RQ / 100 from insights.RelationshipScore where it has one, otherwise
min(touchpoints with the account or its contacts in the last 180 days, 6) / 6 - computed in SQL.

Score = fit x (0.5 + 0.5 x relationship): fit decides, a warm relationship can double it (a referral we give
lands better where we are trusted). A pair already given (that partner, that account) is not suggested again.

Texts are taken best fit first; for each, the database returns its accounts warmest first, and the search stops
when no account of the next text could beat the list (a score is at most its fit), so the answer is exact without
scoring every account.
"""

import heapq
import re
from datetime import datetime, timedelta

import numpy as np
from django.apps import apps
from django.db.models import Case, Count, F, FloatField, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from referral_engine.partners.models import Partner, ReferralGiven
from referral_engine.relationships.models import Account, Touchpoint
from referral_engine.workspaces.models import Workspace

MIN_FIT = 0.05
RECENT_DAYS = 180
TOUCHPOINTS_FOR_FULL = 6
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ants", "ant", "ancy", "ers", "er", "ists", "ist", "es", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def analyse(text: str) -> list[str]:
    """Words of `text`, lower-cased, without English stop words, suffixes stripped."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 1]


def _tfidf(texts: list[str], weights: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """L2-normalised TF-IDF rows of `texts`, each text standing for `weights[i]` documents in the df."""
    counter = CountVectorizer(analyzer=analyse)
    counts = counter.fit_transform(texts).tocsr().astype(np.float64)
    present = counts.copy()
    present.data[:] = 1.0
    df = np.asarray(present.T @ weights).ravel()
    n = weights.sum()
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    counts.data = 1.0 + np.log(counts.data)
    tfidf = counts @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ tfidf, counter.get_feature_names_out()


def _relationship_annotations(workspace: Workspace, now: datetime) -> dict:
    """SQL for an account's relationship in [0, 1]: RQ / 100 if scored, else recent touchpoints / 6 (at most 1)."""
    since = now - timedelta(days=RECENT_DAYS)
    recent = Touchpoint.objects.filter(workspace=workspace, at__gte=since).order_by()
    own = recent.filter(account=OuterRef("pk")).values("workspace").annotate(n=Count("id")).values("n")[:1]
    via_contacts = (
        recent.filter(account__isnull=True, contact__account=OuterRef("pk"))
        .values("workspace")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    touchpoints = Cast(
        Least(
            Coalesce(Subquery(own, output_field=IntegerField()), Value(0))
            + Coalesce(Subquery(via_contacts, output_field=IntegerField()), Value(0)),
            Value(TOUCHPOINTS_FOR_FULL),
        ),
        FloatField(),
    ) / Value(float(TOUCHPOINTS_FOR_FULL))
    try:
        score_model = apps.get_model("insights", "RelationshipScore")
    except LookupError:
        return {"relationship": touchpoints}
    rq = Subquery(
        score_model.objects.filter(workspace=workspace, account=OuterRef("pk"), score__isnull=False).values(
            "score"
        )[:1],
        output_field=FloatField(),
    )
    relationship = Case(
        When(Q(rq_score__isnull=False), then=F("rq_score") / Value(100.0)),
        default=touchpoints,
        output_field=FloatField(),
    )
    return {"rq_score": rq, "relationship": relationship}


def suggestions(
    *,
    workspace: Workspace,
    partner_id: int | None = None,
    account_id: int | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> list[dict]:
    """The best (account, partner) pairs of the workspace, best first; optionally for one partner or account."""
    now = now or timezone.now()
    partners = list(
        Partner.objects.filter(workspace=workspace)
        .filter(~Q(profession="") | ~Q(target_market=""))
        .order_by("id")
        .values_list("id", "name", "profession", "target_market")
    )
    with_needs = Account.objects.filter(workspace=workspace).exclude(needs="")
    # Every distinct needs text of the workspace with how many accounts have it (the df counts each account).
    texts = list(
        with_needs.order_by("needs").values("needs").annotate(n=Count("id")).values_list("needs", "n")
    )
    if not partners or not texts:
        return []
    partner_docs = [f"{p[2]} {p[2]} {p[3]}" for p in partners]  # the profession counts twice: it is the offer
    weights = np.array([1.0] * len(partners) + [float(n) for _, n in texts])
    try:
        matrix, vocabulary = _tfidf(partner_docs + [t for t, _ in texts], weights)
    except ValueError:  # no words at all
        return []
    p_matrix, t_matrix = matrix[: len(partners)], matrix[len(partners) :]
    partner_ids = np.array([p[0] for p in partners])
    if partner_id is not None:
        keep = np.flatnonzero(partner_ids == partner_id)
        if not len(keep):
            return []
        p_matrix, partner_ids = p_matrix[keep], partner_ids[keep]
    if account_id is not None:
        needs = with_needs.filter(pk=account_id).values_list("needs", flat=True).first()
        if needs is None:
            return []
        only = [i for i, (t, _) in enumerate(texts) if t == needs]
        t_matrix, texts = t_matrix[only], [texts[i] for i in only]
    fit = (t_matrix @ p_matrix.T).toarray()  # distinct texts x partners, cosine similarities
    fit[fit < MIN_FIT] = 0.0
    best = fit.max(axis=1)
    order = np.argsort(-best, kind="stable")
    by_partner = {p[0]: p for p in partners}
    annotations = _relationship_annotations(workspace, now)
    given_counts = dict(
        ReferralGiven.objects.filter(workspace=workspace, account__isnull=False)
        .exclude(account__needs="")
        .values("account__needs")
        .annotate(n=Count("id"))
        .values_list("account__needs", "n")
    )
    top: list[tuple] = []  # a min-heap of (score, -partner_id, -account_id, payload)
    for ti in order:
        if best[ti] <= 0 or (len(top) >= limit and best[ti] < top[0][0]):
            break  # no account of this text, or of any later one, can make the list
        text = texts[ti][0]
        columns = np.flatnonzero(fit[ti] > 0)
        accounts = with_needs.filter(needs=text)
        if account_id is not None:
            accounts = accounts.filter(pk=account_id)
        # The warmest accounts of this text; enough to fill the list even if some pairs were given already.
        for name, expression in annotations.items():  # one at a time: relationship refers to rq_score
            accounts = accounts.annotate(**{name: expression})
        rows = list(
            accounts.order_by("-relationship", "id").values_list("id", "name", "relationship")[
                : limit + given_counts.get(text, 0)
            ]
        )
        if not rows:
            continue
        given = set(
            ReferralGiven.objects.filter(
                workspace=workspace,
                account_id__in=[r[0] for r in rows],
                partner_id__in=partner_ids[columns].tolist(),
            ).values_list("account_id", "partner_id")
        )
        shared_by_partner = {}
        for c in columns:
            pid = int(partner_ids[c])
            f = float(fit[ti, c])
            for account, name, relationship in rows:
                if (account, pid) in given:
                    continue
                score = f * (0.5 + 0.5 * float(relationship or 0.0))
                key = (round(score, 12), -pid, -account)
                if len(top) >= limit and key <= top[0][:3]:
                    continue
                if c not in shared_by_partner:
                    shared = np.intersect1d(t_matrix[ti].indices, p_matrix[c].indices)
                    shared_by_partner[c] = sorted(vocabulary[shared].tolist())
                partner = by_partner[pid]
                item = {
                    "account_id": account,
                    "account": name,
                    "needs": text,
                    "partner_id": pid,
                    "partner": partner[1],
                    "profession": partner[2],
                    "fit": round(f, 4),
                    "relationship": round(float(relationship or 0.0), 4),
                    "score": round(score, 4),
                    "shared_terms": shared_by_partner[c],
                }
                entry = (*key, item)
                if len(top) < limit:
                    heapq.heappush(top, entry)
                else:
                    heapq.heapreplace(top, entry)
    # Best first; ties by partner id, then account id.
    return [entry[3] for entry in sorted(top, key=lambda e: (-e[0], -e[1], -e[2]))]
