"""Benchmark: fit and score BG/NBD + Gamma-Gamma for a million customers, ours against lifetimes, side by side.

    .venv/bin/python bench/clv_fit.py                        # 1,000,000 simulated customers
    .venv/bin/python bench/clv_fit.py --customers 100000 --no-memory

Customers are simulated from the models' own story (Fader, Hardie & Lee 2005): first purchases spread over two
years (calibration ends on the last day), purchase rates λ ~ Gamma(r, α), dropout p ~ Beta(a, b), spend per
purchase ~ Gamma(p, ν) with ν ~ Gamma(q, γ); times are whole days expressed in weeks, as from a transaction log.
Each implementation then
  1. fits the BG/NBD to (x, t_x, T),
  2. fits the Gamma-Gamma to the customers with repeat purchases,
  3. scores every customer: P(alive), expected purchases in the next 52 weeks, expected spend, and the CLV over
     12 months at 1% a month (lifetimes' months are 30 days, ours 365.25/12, so the CLV totals differ slightly).
Timings come from a first pass, peak memory (tracemalloc: Python and NumPy allocations made by the step) from a
second one, so that tracing does not slow the timed pass. lifetimes (BetaGeoFitter, GammaGammaFitter) runs with
its defaults. Parameters "agree to 4 significant figures" when they differ by less than half a unit in the
fourth significant digit.
"""

import argparse
import gc
import math
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from referral_engine.insights import clv  # noqa: E402

TRUE_BGNBD = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}  # alpha in weeks
TRUE_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def simulate(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    age_days = rng.integers(0, 731, n).astype(float)
    rate_per_day = rng.gamma(TRUE_BGNBD["r"], 1 / (TRUE_BGNBD["alpha"] * 7), n)
    dropout = rng.beta(TRUE_BGNBD["a"], TRUE_BGNBD["b"], n)
    # Repeat purchases if the customer never dropped out, and the purchase after which they drop out.
    possible = rng.poisson(rate_per_day * age_days)
    dropped_after = rng.geometric(np.maximum(dropout, 1e-12))  # a Beta draw can underflow to 0 for tiny a
    x = np.minimum(possible, dropped_after)
    recency_days = np.zeros(n)
    repeat = x > 0
    # The x-th of `possible` uniform purchase times in (0, T] is T·Beta(x, possible − x + 1).
    recency_days[repeat] = np.floor(age_days[repeat] * rng.beta(x[repeat], possible[repeat] - x[repeat] + 1))
    nu = rng.gamma(TRUE_SPEND["q"], 1 / TRUE_SPEND["gamma"], n)
    spend = np.zeros(n)
    spend[repeat] = rng.gamma(TRUE_SPEND["p"] * x[repeat], 1.0) / (nu[repeat] * x[repeat])
    return {"x": x.astype(float), "t_x": recency_days / 7, "T": age_days / 7, "spend": spend}


def run_ours(d):
    bg = clv.fit_bgnbd(d["x"], d["t_x"], d["T"])
    yield "fit BG/NBD", None
    gg = clv.fit_gamma_gamma(d["x"], d["spend"])
    yield "fit Gamma-Gamma", None
    alive = clv.bgnbd_probability_alive(bg.params, d["x"], d["t_x"], d["T"])
    purchases = clv.bgnbd_conditional_expected_purchases(bg.params, 52.0, d["x"], d["t_x"], d["T"])
    spend = clv.gamma_gamma_expected_spend(gg.params, d["x"], d["spend"])
    value = clv.predict_clv(
        bg.params,
        gg.params,
        d["x"],
        d["t_x"],
        d["T"],
        d["spend"],
        model_unit="weeks",
        horizon=12,
        discount_rate=0.01,
    )
    yield "score", None
    yield (
        "result",
        {
            "bgnbd": bg.params.as_array(),
            "gamma_gamma": gg.params.as_array(),
            "alive": alive,
            "purchases": purchases,
            "spend": spend,
            "clv": value,
        },
    )


def run_lifetimes(d):
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    frequency, recency, age, spend = (pd.Series(d[k]) for k in ("x", "t_x", "T", "spend"))
    bgf = BetaGeoFitter().fit(frequency, recency, age)
    yield "fit BG/NBD", None
    repeat = frequency > 0
    ggf = GammaGammaFitter().fit(frequency[repeat], spend[repeat])
    yield "fit Gamma-Gamma", None
    alive = bgf.conditional_probability_alive(frequency, recency, age)
    purchases = bgf.conditional_expected_number_of_purchases_up_to_time(52.0, frequency, recency, age)
    expected_spend = ggf.conditional_expected_average_profit(frequency, spend)
    value = ggf.customer_lifetime_value(
        bgf, frequency, recency, age, spend, time=12, discount_rate=0.01, freq="W"
    )
    yield "score", None
    yield (
        "result",
        {
            "bgnbd": bgf.params_[["r", "alpha", "a", "b"]].to_numpy(),
            "gamma_gamma": ggf.params_[["p", "q", "v"]].to_numpy(),
            "alive": np.asarray(alive, dtype=float),
            "purchases": np.asarray(purchases, dtype=float),
            "spend": np.asarray(expected_spend, dtype=float),
            "clv": np.asarray(value, dtype=float),
        },
    )


def timed(run, data):
    seconds, result = {}, None
    gc.collect()
    start = time.perf_counter()
    for step, payload in run(data):
        if payload is not None:
            result = payload
            continue
        now = time.perf_counter()
        seconds[step] = now - start
        start = now
    return seconds, result


def traced(run, data):
    peaks = {}
    gc.collect()
    tracemalloc.start()
    for step, payload in run(data):
        if payload is None:
            peaks[step] = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
    tracemalloc.stop()
    return peaks


def agree_4_sig(ours: float, theirs: float) -> bool:
    if theirs == 0:
        return ours == 0
    return abs(ours - theirs) < 0.5 * 10 ** (math.floor(math.log10(abs(theirs))) - 3)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2005)
    parser.add_argument("--no-memory", action="store_true", help="Skip the tracemalloc pass.")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    start = time.perf_counter()
    data = simulate(args.customers, args.seed)
    repeaters = int((data["x"] > 0).sum())
    distinct = clv.group_rows(data["x"], data["t_x"], data["T"])[2].size
    print(
        f"{args.customers:,} simulated customers ({repeaters:,} with repeat purchases, {distinct:,} distinct "
        f"(x, t_x, T) rows) in {time.perf_counter() - start:.1f} s"
    )

    implementations = {"ours": run_ours, "lifetimes": run_lifetimes}
    seconds, results, peaks = {}, {}, {}
    for name, run in implementations.items():
        seconds[name], results[name] = timed(run, data)
        print(f"  {name:<9} timed: " + ", ".join(f"{k} {v:.2f} s" for k, v in seconds[name].items()))
    if not args.no_memory:
        for name, run in implementations.items():
            peaks[name] = traced(run, data)

    steps = list(seconds["ours"])
    print(
        f"\n{'step':<17}{'ours s':>10}{'lifetimes s':>13}{'speed-up':>10}{'ours MiB':>11}{'lifetimes MiB':>15}"
    )
    for step in [*steps, "total"]:
        ours = sum(seconds["ours"].values()) if step == "total" else seconds["ours"][step]
        theirs = sum(seconds["lifetimes"].values()) if step == "total" else seconds["lifetimes"][step]
        memory = ""
        if peaks:
            mine = max(peaks["ours"].values()) if step == "total" else peaks["ours"][step]
            other = max(peaks["lifetimes"].values()) if step == "total" else peaks["lifetimes"][step]
            memory = f"{mine / 2**20:>11.0f}{other / 2**20:>15.0f}"
        print(f"{step:<17}{ours:>10.2f}{theirs:>13.2f}{theirs / ours:>9.1f}x{memory}")
    total_speedup = sum(seconds["lifetimes"].values()) / sum(seconds["ours"].values())
    print(
        f"\nSpeed-up fit + score: {total_speedup:.1f}x (target 5x): {'met' if total_speedup >= 5 else 'NOT met'}"
    )

    ours, theirs = results["ours"], results["lifetimes"]
    print("\nParameters (true values in brackets)        ours          lifetimes     agree to 4 s.f.")
    names = [*TRUE_BGNBD, *TRUE_SPEND]
    truth = [*TRUE_BGNBD.values(), *TRUE_SPEND.values()]
    mine = [*ours["bgnbd"], *ours["gamma_gamma"]]
    other = [*theirs["bgnbd"], *theirs["gamma_gamma"]]
    for name, true, a, b in zip(names, truth, mine, other, strict=True):
        print(f"  {name:<6} [{true:>7}]                     {a:>12.6g}  {b:>12.6g}     {agree_4_sig(a, b)}")
    everything = all(agree_4_sig(a, b) for a, b in zip(mine, other, strict=True))
    print(f"All parameters agree to 4 significant figures: {everything}")

    # Which optimum is higher, judged by one likelihood (ours) at both parameter sets.
    bg_data = clv._bgnbd_data(data["x"], data["t_x"], data["T"], None)
    gg_data = clv._gamma_gamma_data(data["x"], data["spend"], None)
    ll_bg = [clv._bgnbd_ll_and_grad(np.asarray(p), bg_data)[0] for p in (ours["bgnbd"], theirs["bgnbd"])]
    ll_gg = [
        clv._gamma_gamma_ll_and_grad(np.asarray(p), gg_data)[0]
        for p in (ours["gamma_gamma"], theirs["gamma_gamma"])
    ]
    print(f"BG/NBD log-likelihood at ours {ll_bg[0]:.4f}, at lifetimes' {ll_bg[1]:.4f}")
    print(f"Gamma-Gamma log-likelihood at ours {ll_gg[0]:.4f}, at lifetimes' {ll_gg[1]:.4f}")

    for key, label in (("alive", "P(alive)"), ("purchases", "E[purchases, 52 weeks]"), ("spend", "E[spend]")):
        difference = np.max(np.abs(ours[key] - theirs[key]) / np.maximum(np.abs(theirs[key]), 1e-12))
        print(f"{label:<24} largest relative difference between the two: {difference:.1e}")
    print(
        f"CLV 12 months, 1%/month: total {ours['clv'].sum():,.0f} (ours), {theirs['clv'].sum():,.0f} (lifetimes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
