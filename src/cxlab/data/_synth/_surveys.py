"""NPS surveys: attribute ratings from one latent satisfaction (so drivers correlate), NPS from
planted driver weights, and comments in English and Chinese carrying planted themes."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

RATINGS = (
    "rating_wait_time",
    "rating_resolution",
    "rating_agent",
    "rating_product",
    "rating_value",
)
RATING_MEAN = np.array([-0.3, 0.2, 0.5, 0.2, -0.1])
RATING_LOADING = np.array([0.5, 0.6, 0.55, 0.45, 0.4])
RATING_CUTS = np.array([-1.6, -0.8, 0.1, 1.0])
WEIGHTS = {
    "rating_resolution": 0.95,
    "rating_agent": 0.60,
    "rating_wait_time": 0.45,
    "rating_product": 0.30,
    "rating_value": 0.15,
}
W = np.array([WEIGHTS[r] for r in RATINGS])
INTERCEPT = 7.05
NOISE_SD = 1.6
ENTERPRISE_SHIFT = 0.4
REGIME_SHIFT = 0.35  # NPS latent shift from the survey programme's second half
REGIME_AT = 0.70  # fraction of the span where the shift starts
INVITE_RATE = 0.05
MISSING_RATING = 0.08
COMMENT_RATE = 0.45

THEMES = ("wait_time", "refund_delay", "helpful_agent", "product_quality", "price")
THEME_PROBS = {  # theme mix of a comment by NPS category
    "detractor": (0.36, 0.26, 0.04, 0.22, 0.12),
    "passive": (0.25, 0.12, 0.25, 0.18, 0.20),
    "promoter": (0.06, 0.03, 0.70, 0.13, 0.08),
}
SECOND_THEME = 0.2

TEMPLATES = {
    "en": {
        "wait_time": (
            "Waited {n} minutes on hold before anyone answered.",
            "The queue was far too long, {n} minutes just to reach a person.",
            "Took ages to get through to an agent.",
            "Long waiting time every time I call.",
        ),
        "refund_delay": (
            "Still waiting for my refund after {n} days.",
            "The refund took {n} days, far too slow.",
            "Refund delayed again, nobody tells me when the money comes back.",
        ),
        "helpful_agent": (
            "The agent was really helpful and friendly.",
            "Very helpful agent, solved my problem quickly.",
            "Great service, the agent was patient and knew exactly what to do.",
        ),
        "product_quality": (
            "The product broke after {n} days.",
            "Poor quality, the charger stopped working.",
            "The device is faulty and keeps restarting.",
        ),
        "price": (
            "Too expensive for what you get.",
            "The monthly fee keeps going up.",
            "Price is high compared with other providers.",
        ),
    },
    "zh": {
        "wait_time": (
            "等了{n}分钟才有人接电话。",
            "排队时间太长了，等了{n}分钟。",
            "客服电话一直打不通，等待时间太久。",
        ),
        "refund_delay": (
            "退款{n}天了还没到账。",
            "退款太慢了，等了{n}天。",
            "退款一直拖着，没人告诉我什么时候到账。",
        ),
        "helpful_agent": (
            "客服态度很好，很耐心。",
            "客服很专业，很快解决了问题。",
            "服务很好，客服非常热情。",
        ),
        "product_quality": (
            "产品质量太差了，用了{n}天就坏了。",
            "充电器质量有问题，不能充电。",
            "设备有故障，总是自动重启。",
        ),
        "price": (
            "价格太贵了，性价比不高。",
            "月费又涨价了。",
            "比其他家贵很多。",
        ),
    },
}


def draw_ratings(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ratings 1-5 (n x 5) that share one latent satisfaction, so drivers are correlated."""
    z = rng.standard_normal(n)[:, None]
    e = rng.standard_normal((n, len(RATINGS)))
    latent = RATING_MEAN + RATING_LOADING * z + np.sqrt(1 - RATING_LOADING**2) * e
    return 1 + (latent[..., None] > RATING_CUTS).sum(-1)


def nps_mean(ratings: np.ndarray, enterprise: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    return INTERCEPT + (ratings - 3) @ W + ENTERPRISE_SHIFT * enterprise + REGIME_SHIFT * shifted


def draw_nps(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    return np.clip(np.round(mean + rng.normal(0, NOISE_SD, len(mean))), 0, 10).astype(int)


def population_nps(enterprise: bool, shifted: bool, n: int = 400_000, seed: int = 20_240) -> float:
    """The planted population NPS (points) of a segment and regime, integrated over ratings.

    Given the ratings the promoter and detractor probabilities are exact (normal noise before
    rounding); the ratings are integrated by Monte Carlo with a fixed seed (standard error about
    0.085 points with the default 400,000 draws).
    """
    rng = np.random.default_rng(seed)
    mu = nps_mean(draw_ratings(rng, n), np.full(n, float(enterprise)), np.full(n, float(shifted)))
    promoter = 1 - norm.cdf((8.5 - mu) / NOISE_SD)
    detractor = norm.cdf((6.5 - mu) / NOISE_SD)
    return float(100 * (promoter.mean() - detractor.mean()))


def category(nps: np.ndarray) -> np.ndarray:
    return np.where(nps >= 9, "promoter", np.where(nps >= 7, "passive", "detractor"))


def comments(
    rng: np.random.Generator, nps: np.ndarray, language: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Comment text and its planted themes ("" when no comment), by NPS category and language."""
    n = len(nps)
    cat = category(nps)
    text = np.full(n, "", object)
    themes = np.full(n, "", object)
    has = rng.random(n) < COMMENT_RATE
    for c, probs in THEME_PROBS.items():
        idx = np.flatnonzero(has & (cat == c))
        first = rng.choice(len(THEMES), len(idx), p=probs)
        second = rng.choice(len(THEMES), len(idx), p=probs)
        two = (rng.random(len(idx)) < SECOND_THEME) & (second != first)
        for i, f, s, t in zip(idx, first, second, two, strict=True):
            picked = [THEMES[f], THEMES[s]] if t else [THEMES[f]]
            lang = language[i]
            parts = []
            for theme in picked:
                options = TEMPLATES[lang][theme]
                parts.append(options[rng.integers(len(options))].format(n=int(rng.integers(3, 46))))
            text[i] = ("" if lang == "zh" else " ").join(parts)
            themes[i] = ";".join(picked)
    return text, themes
