"""Contact notes made for the text room's tests.

Agent notes with a true path of the taxonomy (Chinese or English, with typos, filler, order numbers
and the odd phone number) and a manual label wrong for about a quarter of the contacts; and notes
labelled with one of four emotions, some phrasings a word list does not know, some notes with no
cue at all, a few personal data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

PHRASES: dict[tuple[str, str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("Orders", "Delivery", "Where is my order"): (
        ("我的订单到哪了", "查询物流进度", "包裹现在在哪里", "订单一直没有物流信息"),
        ("where is my order", "tracking shows nothing", "can't find my parcel", "order status?"),
    ),
    ("Orders", "Delivery", "Delayed delivery"): (
        ("快递太慢了", "配送延迟好几天", "说好昨天到还没到", "物流一直不动"),
        (
            "delivery is late",
            "parcel delayed again",
            "should have arrived yesterday",
            "late shipment",
        ),
    ),
    ("Orders", "Delivery", "Wrong address"): (
        ("地址填错了要改", "送错地址了", "收货地址不对", "修改收货地址"),
        ("wrong delivery address", "need to change address", "sent to old address", "address typo"),
    ),
    ("Orders", "Returns", "Return request"): (
        ("我要退货", "申请退货", "商品不想要了想退", "怎么办理退货"),
        ("i want to return this", "return request", "how do i send it back", "start a return"),
    ),
    ("Orders", "Returns", "Exchange"): (
        ("想换个尺码", "申请换货", "颜色不对要换", "换一个新的"),
        ("exchange for another size", "swap the colour", "exchange request", "replace the item"),
    ),
    ("Billing", "Charges", "Unexpected charge"): (
        ("多了一笔不明扣费", "账单上有陌生收费", "为什么扣我钱", "莫名其妙被收费"),
        (
            "unexpected charge on bill",
            "what is this fee",
            "charged without reason",
            "unknown charge",
        ),
    ),
    ("Billing", "Charges", "Double charge"): (
        ("被扣了两次款", "重复扣费", "同一笔订单付了两次", "扣款两遍"),
        ("charged twice", "double charge", "paid two times for one order", "duplicate payment"),
    ),
    ("Billing", "Refunds", "Refund status"): (
        ("退款进度查询", "退款到哪一步了", "查一下退款状态", "退款处理了吗"),
        ("refund status", "has my refund been processed", "check my refund", "refund progress"),
    ),
    ("Billing", "Refunds", "Refund delay"): (
        ("退款一直没到账", "退款拖了很久", "说好退款还没收到", "退款太慢"),
        ("refund still not received", "refund taking too long", "refund overdue", "no refund yet"),
    ),
    ("Technical", "Device", "Set-up"): (
        ("设备不会安装", "怎么设置新设备", "初次激活失败", "安装步骤不清楚"),
        ("how to set up device", "installation help", "cannot activate new unit", "setup steps"),
    ),
    ("Technical", "Device", "Not working"): (
        ("设备坏了", "开不了机", "机器用不了", "设备故障"),
        ("device not working", "it won't turn on", "broken unit", "device faulty"),
    ),
    ("Technical", "Service", "Service down"): (
        ("服务打不开", "系统宕机了", "完全用不了服务", "网络中断"),
        ("service is down", "outage", "cannot connect at all", "app not loading"),
    ),
    ("Technical", "Service", "Slow service"): (
        ("网速很慢", "服务很卡", "加载特别慢", "响应太慢"),
        ("service very slow", "laggy connection", "pages load slowly", "slow speed"),
    ),
    ("Account", "Profile", "Password reset"): (
        ("忘记密码", "重置密码", "密码登录不上", "修改登录密码"),
        ("forgot password", "reset my password", "cannot log in password", "password reset link"),
    ),
    ("Account", "Profile", "Update details"): (
        ("修改手机号", "更新个人资料", "改一下邮箱", "变更账户信息"),
        ("update my details", "change phone number", "new email address", "edit profile"),
    ),
    ("Account", "Plan", "Upgrade"): (
        ("升级套餐", "想换更高的套餐", "办理升级", "加购流量包"),
        ("upgrade my plan", "move to premium", "want a bigger plan", "plan upgrade"),
    ),
    ("Account", "Plan", "Cancel plan"): (
        ("取消套餐", "我要销户", "不想续费了", "退订服务"),
        ("cancel my plan", "close my account", "stop subscription", "cancel service"),
    ),
}
FILLER = (
    ("客户来电", "客户反映", "用户说", "顾客咨询", "已安抚", "请尽快处理"),
    ("customer called", "cust says", "caller asked", "pls help", "escalate", "as discussed"),
)
PATHS = list(PHRASES)


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 2))
    if rng.random() < 0.5:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def note(path: tuple[str, str, str], language: str, rng: np.random.Generator) -> str:
    """One agent note about ``path``: its phrase, now and then a neighbour's, filler and noise."""
    zh = language == "zh"
    phrases = PHRASES[path][0 if zh else 1]
    parts = [str(rng.choice(phrases))]
    if rng.random() < 0.2:  # a second reason is mentioned in passing
        other = PATHS[int(rng.integers(len(PATHS)))]
        parts.append(str(rng.choice(PHRASES[other][0 if zh else 1])))
    if rng.random() < 0.6:
        parts.insert(0, str(rng.choice(FILLER[0 if zh else 1])))
    if rng.random() < 0.3:
        parts.append(("订单号" if zh else "order ") + str(int(rng.integers(10**9, 10**10))))
    if rng.random() < 0.05:
        parts.append("13812345678")
    text = ("，" if zh else ", ").join(parts)
    return _typo(text, rng) if rng.random() < 0.3 else text


def contacts(
    n: int, *, seed: int = 0, wrong: float = 0.25, months: int = 4
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` contacts over ``months`` months (``contact_id, arrived_at, note`` and the manual
    labels) and their true labels (``contact_id``, the three levels, ``language``)."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(len(PATHS), 3.0))
    true = rng.choice(len(PATHS), size=n, p=weights)
    lang = np.where(rng.random(n) < 0.7, "zh", "en")
    notes = [note(PATHS[t], lang[i], rng) for i, t in enumerate(true)]
    manual = true.copy()
    flip = rng.random(n) < wrong
    sibling = rng.random(n) < 0.7
    for i in np.flatnonzero(flip):
        l1, l2, _ = PATHS[true[i]]
        near = [j for j, p in enumerate(PATHS) if p[:2] == (l1, l2) and j != true[i]]
        near = near if sibling[i] and near else [j for j in range(len(PATHS)) if j != true[i]]
        manual[i] = near[int(rng.integers(len(near)))]
    start = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    seconds = np.sort(rng.integers(0, months * 30 * 86400, n))
    frame = pl.DataFrame(
        {
            "contact_id": [f"C{i:07d}" for i in range(n)],
            "arrived_at": [start + dt.timedelta(seconds=int(s)) for s in seconds],
            "note": notes,
            "category": [PATHS[m][0] for m in manual],
            "category_l2": [PATHS[m][1] for m in manual],
            "category_l3": [PATHS[m][2] for m in manual],
        }
    )
    truth = pl.DataFrame(
        {
            "contact_id": frame["contact_id"],
            "category": [PATHS[t][0] for t in true],
            "category_l2": [PATHS[t][1] for t in true],
            "category_l3": [PATHS[t][2] for t in true],
            "language": lang,
        }
    )
    return frame, truth


TOPICS = {
    "billing": (["话费多扣了", "账单金额不对", "重复扣费"], ["charged twice", "wrong bill amount"]),
    "delivery": (
        ["快递还没到", "物流三天没更新", "包裹丢了"],
        ["parcel not delivered", "tracking stuck"],
    ),
    "network": (
        ["家里宽带断网", "信号很差", "网速很慢"],
        ["internet keeps dropping", "no signal at home"],
    ),
    "account": (["密码重置不了", "账号被锁", "无法登录"], ["cannot log in", "account locked"]),
}
CUES = {
    "angry": (
        ["气死了", "太离谱了", "要投诉", "你们怎么回事", "再这样就销户", "态度恶劣"],
        ["this is unacceptable", "I am furious", "worst service ever", "fed up with you"],
    ),
    "anxious": (
        ["很着急", "什么时候能处理", "能不能快点", "明天就要用", "担心影响使用"],
        ["please hurry", "I am worried", "when will it be fixed", "need it by tomorrow"],
    ),
    "neutral": (["客户来电咨询", "已记录", "请核实"], ["customer asked about it", "noted"]),
    "satisfied": (
        ["问题已解决，客户表示感谢", "很满意", "处理得很快，点赞"],
        ["resolved, customer thanked us", "very happy with the help", "all sorted, great"],
    ),
}


def notes(
    n: int, *, seed: int = 0, start: dt.date = dt.date(2026, 1, 1), days: int = 120
) -> pl.DataFrame:
    """``n`` labelled notes: contact_id, customer_id, arrived_at, category, emotion, note."""
    rng = np.random.default_rng(seed)
    emotions = list(CUES)
    topic_names = list(TOPICS)
    rows = []
    for i in range(n):
        emotion = emotions[rng.choice(4, p=[0.2, 0.2, 0.35, 0.25])]
        topic = topic_names[rng.integers(4)]
        zh = rng.random() < 0.7
        lang = 0 if zh else 1
        body = TOPICS[topic][lang][rng.integers(len(TOPICS[topic][lang]))]
        cue_list = CUES[emotion][lang]
        cue = cue_list[rng.integers(len(cue_list))] if rng.random() > 0.1 else ""
        sep = "，" if zh else ", "
        text = sep.join(x for x in (body, cue) if x)
        arrived = dt.datetime.combine(start, dt.time(9), dt.UTC) + dt.timedelta(
            days=int(rng.integers(days)), minutes=int(rng.integers(600))
        )
        rows.append(
            (f"K{i:06d}", f"C{int(rng.integers(n // 3 + 1)):05d}", arrived, topic, emotion, text)
        )
    return pl.DataFrame(
        rows,
        schema={
            "contact_id": pl.Utf8,
            "customer_id": pl.Utf8,
            "arrived_at": pl.Datetime("us", "UTC"),
            "category": pl.Utf8,
            "emotion": pl.Utf8,
            "note": pl.Utf8,
        },
        orient="row",
    )
