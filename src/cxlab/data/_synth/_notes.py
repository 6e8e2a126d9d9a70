"""Contact notes: the customer's emotion, the agent's note in Chinese or English, and the manual
category that is wrong for a planted share of contacts.

Everything here draws from its own random stream (seeded from the workspace seed and
:data:`SALT`), after the contacts' other columns are drawn, so the notes never move a number of
any other table. A month of notes is built column-wise from phrase tables (no Python loop per
contact): each part of a note (opening, the true topic, a detail, a second topic, the complaint,
the emotion, the outcome, filler, personal data) is an index into a phrase list, and polars joins
the parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab.data._synth._config import REGIONS, TAXONOMY

SALT = 0x6E6F746573  # "notes"
EMOTIONS = ("angry", "anxious", "neutral", "satisfied")
LEAVES = tuple(
    (c1, c2, c3) for c1, subs in TAXONOMY.items() for c2, ls in subs.items() for c3 in ls
)
LEAF_OF = {c3: i for i, (_, _, c3) in enumerate(LEAVES)}

# -- manual labels --------------------------------------------------------------------------------
MANUAL_ERROR = 0.25
"""Share of contacts whose stored (manual) category path differs from the true one."""
ERROR_KINDS = {"sibling_l3": 0.60, "other_l2": 0.28, "other_l1": 0.12}
"""How a wrong path is wrong: another level-3 of the same level 2 (where the level 2 has only one
leaf, another level 2 of the same level 1), a leaf of another level 2 of the same level 1, or a
confusable leaf of another level 1 (:data:`CONFUSABLE`)."""
CONFUSABLE = {
    "Where is my order": "Refund status",
    "Delayed delivery": "Refund delay",
    "Wrong address": "Update details",
    "Return request": "Refund status",
    "Exchange": "Not working",
    "Unexpected charge": "Upgrade",
    "Double charge": "Upgrade",
    "Refund status": "Return request",
    "Refund delay": "Delayed delivery",
    "Set-up": "Update details",
    "Not working": "Exchange",
    "Service down": "Cancel plan",
    "Slow service": "Upgrade",
    "Password reset": "Set-up",
    "Update details": "Wrong address",
    "Upgrade": "Unexpected charge",
    "Cancel plan": "Refund status",
}

# -- emotion --------------------------------------------------------------------------------------
EMOTION_COEF = {
    "intercept": -1.6,
    "complaint": 1.5,
    "unresolved": 1.0,  # answered, not resolved at first contact
    "log1p_wait_minutes": 0.35,
    "repeat": 0.8,  # the contact repeats an unresolved one
    "transfers": 0.3,
    "low_csat": 1.0,  # CSAT 1 or 2 given
    "high_csat": -1.0,  # CSAT 5 given
}
"""Logit of a negative emotion (angry or anxious); a negative customer is angry with probability
0.65 after a complaint or a repeat contact, else 0.35 (else anxious); a positive one is satisfied
with probability 0.6 when resolved at first contact, else 0.25 (else neutral)."""

# -- language -------------------------------------------------------------------------------------
OTHER_LANGUAGE = {"phone": 0.03, "chat": 0.08, "email": 0.20, "social": 0.12}
"""Share of notes not in the country's language (English in CN, Chinese in US), by channel."""
OTHER_LANGUAGE_REGIONS = {
    "CN": ("Beijing", "Shanghai", "Guangdong"),
    "US": ("California", "New York", "Washington"),
}
OTHER_LANGUAGE_LIFT = 0.10
"""Added to that share for customers in these regions."""

# -- the shape of a note --------------------------------------------------------------------------
SHARES = {
    "short": 0.10,  # a keyword note of 5 to 10 characters
    "long": 0.15,  # a transcript summary with details and filler
    "ambiguous": 0.12,  # mentions a second topic (60% of them of another level 1)
    "empty": 0.01,  # no note although the contact was answered
    "placeholder": 0.01,  # "无", "n/a", "同上": no content
    "typo": 0.08,
    "code_switching": 0.30,  # of the Chinese notes: an English product word
    "personal_data": 0.02,
}

OPENERS = {
    "zh": {
        "phone": ("客户来电", "用户来电咨询", "客户致电反映", "来电"),
        "chat": ("客户在线咨询", "用户在线反馈", "在线客户称", "会话"),
        "email": ("客户邮件反映", "用户来邮", "邮件工单"),
        "social": ("用户微博留言", "客户在公众号留言", "社交媒体用户反馈"),
    },
    "en": {
        "phone": ("Cust called re", "Caller says", "Customer called about", "Call:"),
        "chat": ("Chat:", "Customer on chat says", "Cx asked on chat about"),
        "email": ("Email from customer:", "Customer emailed about", "Email:"),
        "social": ("Social post:", "Cx reached out on social about", "DM:"),
    },
}

TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "Where is my order": {
        "zh": (
            "查询订单物流",
            "订单一直没收到，问包裹到哪了",
            "咨询快递进度",
            "催单，问什么时候发货",
            "物流信息不更新",
        ),
        "en": (
            "where is my order",
            "parcel not received yet, asks for tracking",
            "order status query",
            "tracking not updating",
            "wants to know when order ships",
        ),
    },
    "Delayed delivery": {
        "zh": ("快递延误", "超过承诺时间还没送到", "配送太慢，比预计晚了好几天", "包裹延迟派送"),
        "en": (
            "delivery delayed",
            "parcel late, past promised date",
            "shipment running days late",
            "courier late again",
        ),
    },
    "Wrong address": {
        "zh": ("收货地址填错，要求改地址", "地址写错了", "包裹送错地址", "修改配送地址"),
        "en": (
            "wrong delivery address",
            "needs to change shipping address",
            "parcel sent to old address",
            "address typo on order",
        ),
    },
    "Return request": {
        "zh": ("申请退货", "要求退货退款", "商品不想要了，办理退货", "咨询退货流程"),
        "en": (
            "wants to return item",
            "return request",
            "asks how to send it back",
            "return label needed",
        ),
    },
    "Exchange": {
        "zh": ("要求换货", "尺码不对，申请换货", "换一个新的", "颜色发错了要换"),
        "en": (
            "wants an exchange",
            "wrong size, exchange please",
            "swap for another colour",
            "exchange for new unit",
        ),
    },
    "Unexpected charge": {
        "zh": ("账单上有不明扣费", "莫名被扣费", "多出一笔费用，不知道是什么", "账单金额不对"),
        "en": (
            "unexpected charge on bill",
            "unknown fee on statement",
            "charged for something never ordered",
            "bill higher than expected",
        ),
    },
    "Double charge": {
        "zh": ("重复扣款", "同一笔被扣了两次", "付了两次钱", "扣费两遍"),
        "en": (
            "double charged",
            "charged twice for same order",
            "duplicate payment",
            "two identical charges",
        ),
    },
    "Refund status": {
        "zh": ("查询退款进度", "问退款到哪一步了", "退款状态查询", "问钱什么时候退回"),
        "en": (
            "refund status check",
            "asks where refund is",
            "when will refund arrive",
            "refund progress query",
        ),
    },
    "Refund delay": {
        "zh": ("退款迟迟未到账", "退款超时还没收到", "说好的退款一直没到", "退款拖了很久"),
        "en": (
            "refund overdue",
            "refund still not received after promised date",
            "refund taking too long",
            "money not back yet",
        ),
    },
    "Set-up": {
        "zh": ("新设备不会安装", "咨询设备设置", "安装调试指导", "不会激活新设备"),
        "en": (
            "help with set-up",
            "cannot install new device",
            "activation help",
            "setup instructions needed",
        ),
    },
    "Not working": {
        "zh": ("设备坏了用不了", "机器开不了机", "设备故障", "用了几天就坏了"),
        "en": (
            "device not working",
            "unit won't turn on",
            "device faulty",
            "broke after a few days",
        ),
    },
    "Service down": {
        "zh": ("网络断了上不了网", "服务中断", "完全连不上", "系统故障无法使用"),
        "en": (
            "service down",
            "no connection at all",
            "outage in area",
            "cannot connect since morning",
        ),
    },
    "Slow service": {
        "zh": ("网速很慢", "网络卡顿", "加载特别慢", "信号差，速度慢"),
        "en": ("slow speed", "connection very slow", "keeps lagging", "speeds far below plan"),
    },
    "Password reset": {
        "zh": ("忘记密码，要求重置", "登录不了，重置密码", "密码找回", "账号被锁，重设密码"),
        "en": (
            "password reset",
            "locked out, reset pwd",
            "forgot password",
            "cannot log in, needs reset",
        ),
    },
    "Update details": {
        "zh": ("修改个人资料", "更新手机号", "变更账户信息", "改绑邮箱"),
        "en": (
            "update account details",
            "change phone number on file",
            "update profile info",
            "change email on account",
        ),
    },
    "Upgrade": {
        "zh": ("咨询升级套餐", "想换更高档的套餐", "办理升级", "问升级要加多少钱"),
        "en": (
            "wants to upgrade plan",
            "asks about premium tier",
            "upgrade enquiry",
            "price of higher plan",
        ),
    },
    "Cancel plan": {
        "zh": ("要求取消套餐", "办理销户", "不想续费了，要退订", "咨询解约"),
        "en": (
            "wants to cancel plan",
            "cancel subscription",
            "close account request",
            "asks about early termination",
        ),
    },
}
"""Several phrasings of each level-3 topic, in Chinese and English."""

TOPIC_LEVEL = {"level3": 0.60, "level2": 0.25, "level1": 0.10, "vague": 0.05}
"""How precisely a note names its topic: a phrase of its level 3, one shared by the level-3
categories of its level 2 (or the level-2 categories of its level 1), or no topic at all."""
TOPICS_L2 = {
    "Delivery": {
        "zh": ("快递的问题", "配送问题", "包裹还没到"),
        "en": ("delivery issue", "parcel problem", "shipping query"),
    },
    "Returns": {
        "zh": ("退换货", "售后问题", "商品要退换"),
        "en": ("return/exchange", "after-sales query", "wants to send item back"),
    },
    "Charges": {
        "zh": ("扣费有问题", "账单疑问", "费用不对"),
        "en": ("billing query", "charge issue", "question about fees"),
    },
    "Refunds": {
        "zh": ("退款问题", "钱还没退", "退款的事"),
        "en": ("refund query", "refund issue", "about the refund"),
    },
    "Device": {
        "zh": ("设备问题", "机器有问题", "硬件咨询"),
        "en": ("device issue", "problem with the unit", "hardware query"),
    },
    "Service": {
        "zh": ("网络问题", "上网有问题", "服务不稳定"),
        "en": ("connection issue", "service problem", "internet trouble"),
    },
    "Profile": {
        "zh": ("账号问题", "登录和资料", "个人信息相关"),
        "en": ("account access", "profile query", "login/account issue"),
    },
    "Plan": {
        "zh": ("套餐问题", "套餐变更", "咨询资费套餐"),
        "en": ("plan change", "plan query", "subscription question"),
    },
}
TOPICS_L1 = {
    "Orders": {"zh": ("订单问题", "下单后有问题"), "en": ("order issue", "problem with an order")},
    "Billing": {"zh": ("费用问题", "付款相关"), "en": ("payment issue", "money question")},
    "Technical": {"zh": ("技术问题", "故障报修"), "en": ("tech issue", "fault report")},
    "Account": {"zh": ("账户问题", "账户相关咨询"), "en": ("account query", "account issue")},
}
VAGUE = {
    "zh": ("咨询问题", "客户有疑问", "了解情况"),
    "en": ("general query", "has a question", "enquiry"),
}

SHORT = {
    "Where is my order": {"zh": ("查物流进度", "催单催发货"), "en": ("WISMO", "order status")},
    "Delayed delivery": {
        "zh": ("快递延误了", "配送超时了"),
        "en": ("late parcel", "delivery late"),
    },
    "Wrong address": {"zh": ("改收货地址", "地址填错了"), "en": ("wrong addr", "addr change")},
    "Return request": {"zh": ("申请退货中", "要退货退款"), "en": ("return req", "wants return")},
    "Exchange": {"zh": ("申请换货中", "尺码要换货"), "en": ("exchange", "swap item")},
    "Unexpected charge": {"zh": ("不明扣费了", "账单有异常"), "en": ("odd charge", "unknown fee")},
    "Double charge": {"zh": ("重复扣款了", "扣了两次钱"), "en": ("dbl charge", "paid twice")},
    "Refund status": {"zh": ("查退款进度", "退款到哪了"), "en": ("refund?", "refund chk")},
    "Refund delay": {"zh": ("退款未到账", "退款超时了"), "en": ("refund late", "no refund yet")},
    "Set-up": {"zh": ("设备不会装", "安装指导下"), "en": ("setup help", "install q")},
    "Not working": {"zh": ("设备坏掉了", "开不了机了"), "en": ("not working", "dead unit")},
    "Service down": {"zh": ("网断了上不了", "服务中断了"), "en": ("outage", "svc down")},
    "Slow service": {"zh": ("网速太慢了", "网络很卡顿"), "en": ("slow speed", "lagging")},
    "Password reset": {"zh": ("重置密码了", "忘记密码了"), "en": ("pwd reset", "locked out")},
    "Update details": {"zh": ("改个人资料", "更新手机号"), "en": ("update info", "new phone #")},
    "Upgrade": {"zh": ("升级套餐中", "想升级套餐"), "en": ("upgrade", "wants upgrade")},
    "Cancel plan": {"zh": ("取消套餐了", "要求退订了"), "en": ("cancel plan", "wants cancel")},
}
"""Keyword notes of 5 to 10 characters."""

PRODUCTS = {  # detail words by level 1; the English ones also appear in Chinese notes
    "Orders": {"zh": ("包裹", "快递单", "订单"), "en": ("parcel", "tracking no.", "order")},
    "Billing": {"zh": ("账单", "发票", "银行卡"), "en": ("invoice", "bill", "credit card")},
    "Technical": {"zh": ("路由器", "光猫", "手机APP"), "en": ("router", "modem", "APP", "Wi-Fi")},
    "Account": {"zh": ("会员账号", "套餐", "积分"), "en": ("VIP", "plan", "account")},
}
AMBIGUOUS_JOIN = {
    "zh": ("另外", "顺便问了", "同时提到"),
    "en": ("also asked about", "plus", "and mentions"),
}
COMPLAINT = {
    "zh": {
        "logistics": ("对物流很不满，要求投诉", "投诉快递"),
        "product_quality": ("投诉产品质量", "质量问题，要求投诉"),
        "service_attitude": ("投诉之前客服态度差", "对服务态度不满，要投诉"),
        "refund": ("投诉退款处理", "要求投诉退款问题"),
    },
    "en": {
        "logistics": ("complaint re courier", "wants to complain about delivery"),
        "product_quality": ("quality complaint", "complains product is poor quality"),
        "service_attitude": (
            "complaint about previous agent",
            "unhappy w/ service, formal complaint",
        ),
        "refund": ("complaint about refund handling", "files complaint re refund"),
    },
}
EMOTION_WORDS = {
    "zh": {
        "angry": ("客户情绪激动", "语气很冲", "非常生气，说再不解决就投诉到底", "客户很恼火"),
        "anxious": ("客户比较着急", "很担心", "一直在催", "客户焦虑，希望尽快处理"),
        "neutral": ("语气平和", "正常咨询"),
        "satisfied": ("客户表示满意", "客户表示感谢", "对处理结果满意"),
    },
    "en": {
        "angry": ("cust very upset", "angry, threatening to escalate", "furious", "raised voice"),
        "anxious": ("cust worried", "anxious, wants it asap", "keeps chasing", "stressed"),
        "neutral": ("calm", "routine enquiry"),
        "satisfied": ("cust happy", "thanked us", "satisfied with outcome"),
    },
}
EMOTION_SHOWN = {"angry": 0.75, "anxious": 0.6, "neutral": 0.25, "satisfied": 0.55}
"""Share of notes that say the customer's emotion in words."""
OUTCOME = {
    "zh": {
        1: ("已解决", "已处理完毕", "问题已解决，客户认可"),
        0: ("已升级二线处理", "待回访", "未解决，需跟进", "已提交工单"),
    },
    "en": {
        1: ("resolved", "sorted on call", "issue fixed"),
        0: ("escalated to T2", "pending callback", "not resolved, follow up", "ticket raised"),
    },
}
FILLER = {
    "zh": ("经核实", "已告知客户处理时效", "按流程处理", "已安抚", "已记录", "请相关同事跟进"),
    "en": (
        "checked the account",
        "advised on timelines",
        "followed process",
        "FYI",
        "pls check",
        "noted",
    ),
}
SUMMARY = {
    "zh": ("通话小结：", "服务小记：", "工单内容："),
    "en": ("Summary:", "Call summary:", "Notes:"),
}
RESTATE = {
    "zh": ("客户表示", "核实后确认是", "主要诉求："),
    "en": ("i.e.", "cust confirms", "main issue:"),
}
PLACEHOLDER = ("无", "同上", "n/a", "-", "见上")
TYPOS = (  # Chinese: a word replaced by a sound-alike
    ("已经", "以经"),
    ("账单", "帐单"),
    ("登录", "登陆"),
    ("订单", "定单"),
    ("密码", "蜜码"),
    ("快递", "快第"),
    ("退款", "退欵"),
    ("设备", "设被"),
    ("处理", "处里"),
    ("客户", "客护"),
    ("投诉", "投述"),
    ("套餐", "套参"),
)
PERSONAL = {
    "zh": {"phone": "客户留电话", "email": "邮箱", "id_number": "身份证号"},
    "en": {"phone": "cb no.", "email": "email", "id_number": "ID no."},
}
PERSONAL_FORMATS = {
    "CN": {
        "phone": "138-0000-NNNN (an 0000 block)",
        "email": "userN@example.com or userN@example.org (RFC 2606 domains)",
        "id_number": "100000YYYYMMDDNNNX (province code 10, never issued)",
    },
    "US": {
        "phone": "(202) 555-01NN (the fictional 555-0100..0199 block)",
        "email": "userN@example.com or userN@example.org (RFC 2606 domains)",
        "id_number": "000-NN-NNNN (social security area 000, never issued)",
    },
}


def rng_for(seed: int) -> np.random.Generator:
    """The notes' own random stream: other tables never see its draws."""
    return np.random.default_rng([seed, SALT])


@dataclass
class Tally:
    """Counts across months, for the truth."""

    contacts: int = 0
    noted: int = 0
    wrong: dict[str, int] = field(
        default_factory=lambda: {"category": 0, "category_l2": 0, "category_l3": 0}
    )
    language: dict[str, int] = field(default_factory=lambda: {"zh": 0, "en": 0})
    emotion: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EMOTIONS, 0))
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHARES, 0))
    personal: dict[str, int] = field(
        default_factory=lambda: {"phone": 0, "email": 0, "id_number": 0}
    )


def draw_emotion(
    rng: np.random.Generator, k: dict[str, np.ndarray], repeat: np.ndarray
) -> np.ndarray:
    """The customer's emotion (index into :data:`EMOTIONS`) from what happened in the contact."""
    c = EMOTION_COEF
    complaint = k["complaint"] != ""
    fcr = k["fcr"]
    csat = k["csat"]
    logit = (
        c["intercept"]
        + c["complaint"] * complaint
        + c["unresolved"] * (fcr == 0)
        + c["log1p_wait_minutes"] * np.log1p(k["wait"] / 60)
        + c["repeat"] * repeat
        + c["transfers"] * np.minimum(k["transfers"], 3)
        + c["low_csat"] * ((csat > 0) & (csat <= 2))
        + c["high_csat"] * (csat == 5)
    )
    m = len(logit)
    negative = rng.random(m) < 1 / (1 + np.exp(-logit))
    angry = rng.random(m) < np.where(complaint | repeat, 0.65, 0.35)
    satisfied = rng.random(m) < np.where(fcr == 1, 0.6, 0.25)
    return np.where(negative, np.where(angry, 0, 1), np.where(satisfied, 3, 2)).astype(np.int8)


def draw_language(
    rng: np.random.Generator, country: str, channel: np.ndarray, region: np.ndarray
) -> np.ndarray:
    """True where the note is in Chinese (the rule: :data:`OTHER_LANGUAGE` by channel, lifted by
    :data:`OTHER_LANGUAGE_LIFT` in :data:`OTHER_LANGUAGE_REGIONS`)."""
    regions = REGIONS[country]
    lifted = np.isin(
        np.arange(len(regions)), [regions.index(r) for r in OTHER_LANGUAGE_REGIONS[country]]
    )
    p = np.zeros(len(channel))
    for ch, share in OTHER_LANGUAGE.items():
        p[channel == ch] = share
    other = rng.random(len(channel)) < p + OTHER_LANGUAGE_LIFT * lifted[region]
    return other if country == "US" else ~other


def _candidates() -> tuple[np.ndarray, np.ndarray]:
    """For each leaf and error kind, the leaves a wrong label can name (padded) and their count."""
    n = len(LEAVES)
    table = np.zeros((n, 3, n), np.int16)
    count = np.zeros((n, 3), np.int16)
    for i, (c1, c2, c3) in enumerate(LEAVES):
        sib = [j for j, (a, b, z) in enumerate(LEAVES) if a == c1 and b == c2 and z != c3]
        oth = [j for j, (a, b, _) in enumerate(LEAVES) if a == c1 and b != c2]
        cands = (sib or oth, oth, [LEAF_OF[CONFUSABLE[c3]]])
        for kind, js in enumerate(cands):
            table[i, kind, : len(js)] = js
            count[i, kind] = len(js)
    return table, count


def manual_leaf(rng: np.random.Generator, leaf: np.ndarray) -> np.ndarray:
    """The leaf the agent recorded: the true one, or for :data:`MANUAL_ERROR` of contacts another
    valid leaf, picked by :data:`ERROR_KINDS`."""
    m = len(leaf)
    wrong = rng.random(m) < MANUAL_ERROR
    kind = rng.choice(3, m, p=list(ERROR_KINDS.values()))
    table, count = _candidates()
    pick = (rng.random(m) * count[leaf, kind]).astype(int)
    return np.where(wrong, table[leaf, kind, pick], leaf)


def _pick(rng: np.random.Generator, options: list[tuple[str, ...]], which: np.ndarray) -> pl.Series:
    """For each row, one phrase of ``options[which]`` (uniformly), as a string Series."""
    flat = [p for opts in options for p in opts]
    start = np.cumsum([0] + [len(o) for o in options])
    sizes = np.diff(start)
    idx = start[which] + (rng.random(len(which)) * sizes[which]).astype(int)
    return pl.Series(flat, dtype=pl.Utf8).gather(idx)


def _topic(rng: np.random.Generator, leaf: np.ndarray, lang: np.ndarray) -> pl.Series:
    """A phrase for each row's topic: of its level 3, or by :data:`TOPIC_LEVEL` only of its
    level 2 or level 1, or vague."""
    langs = ("zh", "en")
    m = len(leaf)
    l1 = np.array([list(TAXONOMY).index(c1) for c1, _, _ in LEAVES])[leaf]
    l2_names = [(c1, c2) for c1, subs in TAXONOMY.items() for c2 in subs]
    l2 = np.array([l2_names.index((c1, c2)) for c1, c2, _ in LEAVES])[leaf]
    three = _pick(rng, [TOPICS[c3][g] for _, _, c3 in LEAVES for g in langs], leaf * 2 + lang)
    two = _pick(rng, [TOPICS_L2[c2][g] for _, c2 in l2_names for g in langs], l2 * 2 + lang)
    one = _pick(rng, [TOPICS_L1[c1][g] for c1 in TAXONOMY for g in langs], l1 * 2 + lang)
    vague = _pick(rng, [VAGUE[g] for g in langs], lang)
    level = rng.choice(4, m, p=list(TOPIC_LEVEL.values()))
    return pl.select(
        pl.when(pl.Series(level == 0))
        .then(three)
        .when(pl.Series(level == 1))
        .then(two)
        .when(pl.Series(level == 2))
        .then(one)
        .otherwise(vague)
    ).to_series()


def _gated(series: pl.Series, show: np.ndarray, sep: pl.Series) -> pl.Series:
    """``series`` followed by its separator where ``show``, else ""."""
    return pl.select(pl.when(pl.Series(show)).then(series + sep).otherwise(pl.lit(""))).to_series()


def _number(
    rng: np.random.Generator, lo: int, hi: int, n: int, width: int = 0, rows=None
) -> pl.Series:
    """``n`` random whole numbers as text (of ``rows`` only, when given: the same draws)."""
    values = rng.integers(lo, hi, n)
    s = pl.Series(values if rows is None else values[rows]).cast(pl.Utf8)
    return s.str.zfill(width) if width else s


def _choose(zh: np.ndarray, chinese: str, english: str) -> pl.Series:
    """``chinese`` where ``zh``, else ``english``."""
    return pl.select(
        pl.when(pl.Series(zh)).then(pl.lit(chinese)).otherwise(pl.lit(english))
    ).to_series()


def compose(
    rng: np.random.Generator,
    *,
    leaf: np.ndarray,
    complaint: np.ndarray,
    emotion: np.ndarray,
    fcr: np.ndarray,
    zh: np.ndarray,
    channel: np.ndarray,
    abandoned: np.ndarray,
    country: str,
    tally: Tally,
) -> pl.Series:
    """One month of notes (null for abandoned contacts and the empty ones)."""
    m = len(leaf)
    lang = np.where(zh, 0, 1)  # index into ("zh", "en")
    langs = ("zh", "en")
    sep = _choose(zh, "，", ", ")
    u = {k: rng.random(m) for k in SHARES}
    short = u["short"] < SHARES["short"]
    long_ = ~short & (u["long"] < SHARES["long"])
    ambiguous = ~short & (u["ambiguous"] < SHARES["ambiguous"])
    empty = u["empty"] < SHARES["empty"]
    placeholder = ~empty & (u["placeholder"] < SHARES["placeholder"])

    # opening, by language and channel
    channels = tuple(OPENERS["zh"])
    ch = np.zeros(m, int)
    for i, c in enumerate(channels):
        ch[channel == c] = i
    opener = _pick(rng, [OPENERS[g][c] for g in langs for c in channels], lang * len(channels) + ch)
    parts = [
        _gated(_pick(rng, [SUMMARY[g] for g in langs], lang), long_, _choose(zh, "", " ")),
        _gated(opener, ~short & (rng.random(m) < 0.5), _choose(zh, "，", " ")),
    ]
    # the topic
    parts.append(_gated(_topic(rng, leaf, lang), ~short, sep))
    # long notes restate it (a transcript summary)
    restate = _pick(rng, [RESTATE[g] for g in langs], lang) + _topic(rng, leaf, lang)
    parts.append(_gated(restate, long_, sep))
    # a detail: a product word (English ones in a share of Chinese notes) or an order number
    l1_index = {c: i for i, c in enumerate(TAXONOMY)}
    l1 = np.array([l1_index[c1] for c1, _, _ in LEAVES])[leaf]
    switch = zh & (rng.random(m) < SHARES["code_switching"])
    word_lang = np.where(switch, 1, lang)
    word = _pick(rng, [PRODUCTS[c][g] for c in TAXONOMY for g in langs], l1 * 2 + word_lang)
    order_no = _choose(zh, "订单号", "order #") + _number(rng, 10**9, 10**10 - 1, m)
    use_no = rng.random(m) < 0.4
    detail = pl.select(pl.when(pl.Series(use_no)).then(order_no).otherwise(word)).to_series()
    parts.append(_gated(detail, ~short & (long_ | switch | (rng.random(m) < 0.25)), sep))
    # a second topic: half of them of another level 1
    other = rng.integers(0, len(LEAVES), m)
    same_l1 = rng.random(m) < 0.4
    siblings = [
        [j for j, (a, _, _) in enumerate(LEAVES) if a == c1 and j != i]
        for i, (c1, _, _) in enumerate(LEAVES)
    ]
    pad = max(len(s) for s in siblings)
    sib_table = np.array([s + s[: pad - len(s)] for s in siblings])
    other = np.where(same_l1, sib_table[leaf, rng.integers(0, pad, m)], other)
    other = np.where(other == leaf, (leaf + 1) % len(LEAVES), other)
    join = _pick(rng, [AMBIGUOUS_JOIN[g] for g in langs], lang)
    second = join + _choose(zh, "", " ") + _topic(rng, other, lang)
    parts.append(_gated(second, ambiguous, sep))
    # the complaint
    types = ("logistics", "product_quality", "service_attitude", "refund")
    is_complaint = complaint != ""
    ct = np.zeros(m, int)
    for i, t in enumerate(types):
        ct[complaint == t] = i
    text = _pick(rng, [COMPLAINT[g][t] for g in langs for t in types], lang * len(types) + ct)
    parts.append(_gated(text, ~short & is_complaint & (rng.random(m) < 0.85), sep))
    # the emotion, said in words for a share of notes
    shown = rng.random(m) < np.array([EMOTION_SHOWN[e] for e in EMOTIONS])[emotion]
    text = _pick(rng, [EMOTION_WORDS[g][e] for g in langs for e in EMOTIONS], lang * 4 + emotion)
    parts.append(_gated(text, ~short & shown, sep))
    # filler, twice in long notes
    for times in (1, 2):
        text = _pick(rng, [FILLER[g] for g in langs], lang)
        show = long_ if times == 2 else long_ | (rng.random(m) < 0.15)
        parts.append(_gated(text, ~short & show, sep))
    # the outcome
    resolved = np.clip(fcr, 0, 1)
    text = _pick(rng, [OUTCOME[g][r] for g in langs for r in (0, 1)], lang * 2 + resolved)
    parts.append(_gated(text, ~short & (fcr >= 0) & (rng.random(m) < 0.7), sep))
    # personal data, obviously fake
    personal = rng.random(m) < SHARES["personal_data"]
    pkind = rng.integers(0, 3, m)
    rows = np.flatnonzero(personal)  # text only for these rows (every row draws)
    if country == "CN":
        phone = "138-0000-" + _number(rng, 0, 10_000, m, 4, rows)
        id_no = (
            "100000"
            + _number(rng, 1960, 2005, m, 0, rows)
            + _number(rng, 1, 13, m, 2, rows)
            + _number(rng, 1, 29, m, 2, rows)
            + _number(rng, 0, 1000, m, 3, rows)
            + "X"
        )
    else:
        phone = "(202) 555-01" + _number(rng, 0, 100, m, 2, rows)
        id_no = (
            "000-"
            + _number(rng, 10, 100, m, 0, rows)
            + "-"
            + _number(rng, 1000, 10_000, m, 0, rows)
        )
    email = (
        "user"
        + _number(rng, 1, 100_000, m, 0, rows)
        + _choose((rng.random(m) < 0.5)[rows], "@example.com", "@example.org")
    )
    kind = pkind[rows]
    value = pl.select(
        pl.when(pl.Series(kind == 0))
        .then(phone)
        .when(pl.Series(kind == 1))
        .then(email)
        .otherwise(id_no)
    ).to_series()
    label = _pick(
        rng,
        [(PERSONAL[g][k],) for g in langs for k in ("phone", "email", "id_number")],
        lang * 3 + pkind,
    ).gather(rows)
    pii = pl.Series([""] * m, dtype=pl.Utf8).scatter(
        rows, sep.gather(rows) + label + _choose(zh[rows], "", " ") + value
    )

    note = pl.select(pl.concat_str(parts)).to_series().str.strip_chars_end("，, ")
    # typos: swapped letters in English, a sound-alike word in Chinese
    typo = rng.random(m) < SHARES["typo"]
    at = rng.random(m)
    rows = np.flatnonzero(typo & ~zh)
    text = note.gather(rows)
    pos = pl.Series(
        (at[rows] * np.maximum(text.str.len_chars().to_numpy() - 1, 1)).astype(np.int64)
    )
    swapped = pl.select(
        pl.lit(text).str.slice(0, pos)
        + pl.lit(text).str.slice(pos + 1, 1)
        + pl.lit(text).str.slice(pos, 1)
        + pl.lit(text).str.slice(pos + 2)
    ).to_series()
    note = note.scatter(rows, swapped)
    which = rng.integers(0, len(TYPOS), m)
    rows = np.flatnonzero(typo & zh)
    text, pair = note.gather(rows), which[rows]
    for i, (right, wrong) in enumerate(TYPOS):
        text = pl.select(
            pl.when(pl.Series(pair == i))
            .then(text.str.replace(right, wrong, literal=True))
            .otherwise(text)
        ).to_series()
    note = note.scatter(rows, text)
    # personal data after the typos (so that it stays whole), and a full stop in most notes
    stop = rng.random(m) < 0.6
    end = pl.select(
        pl.when(pl.Series(stop & zh))
        .then(pl.lit("。"))
        .when(pl.Series(stop))
        .then(pl.lit("."))
        .otherwise(pl.lit(""))
    ).to_series()
    note = note + pii + end
    # the short notes, placeholders and empty ones
    short_text = _pick(rng, [SHORT[c3][g] for _, _, c3 in LEAVES for g in langs], leaf * 2 + lang)
    holder = _pick(rng, [PLACEHOLDER], np.zeros(m, int))
    note = pl.select(
        pl.when(pl.Series(empty | abandoned))
        .then(pl.lit(None, pl.Utf8))
        .when(pl.Series(placeholder))
        .then(holder)
        .when(pl.Series(short))
        .then(short_text)
        .otherwise(note)
    ).to_series()

    noted = ~(empty | abandoned)
    tally.noted += int(noted.sum())
    for k, mask in (
        ("short", short & noted & ~placeholder),
        ("long", long_ & noted & ~placeholder),
        ("ambiguous", ambiguous & noted & ~placeholder),
        ("empty", empty & ~abandoned),
        ("placeholder", placeholder & noted),
        ("typo", typo & noted & ~placeholder & ~short),
        ("code_switching", switch & noted & ~placeholder & ~short),
        ("personal_data", personal & noted & ~placeholder & ~short),
    ):
        tally.kinds[k] += int(mask.sum())
    for i, k in enumerate(("phone", "email", "id_number")):
        tally.personal[k] += int((personal & noted & ~placeholder & ~short & (pkind == i)).sum())
    return note.alias("note")


def month(
    rng: np.random.Generator,
    k: dict[str, np.ndarray],
    region: np.ndarray,
    country: str,
    tally: Tally,
) -> tuple[pl.Series, dict[str, np.ndarray]]:
    """One month's notes and labels: the note, the manual (stored) category path, and the true
    labels (category path, emotion, language) for ``truth_labels.parquet``.

    Changes nothing in ``k``; the caller stores the manual path in the contacts table.
    """
    leaf = (
        pl.Series(k["category_l3"], dtype=pl.Utf8)
        .replace_strict(LEAF_OF, return_dtype=pl.Int64)
        .to_numpy()
    )
    m = len(leaf)
    emotion = draw_emotion(rng, k, k.get("repeat", np.zeros(m, bool)))
    zh = draw_language(rng, country, k["channel"], region)
    manual = manual_leaf(rng, leaf)
    note = compose(
        rng,
        leaf=leaf,
        complaint=k["complaint"],
        emotion=emotion,
        fcr=k["fcr"],
        zh=zh,
        channel=k["channel"],
        abandoned=k["abandoned"],
        country=country,
        tally=tally,
    )
    path = np.array(LEAVES, dtype=object)
    true_path, manual_path = path[leaf], path[manual]
    tally.contacts += m
    for j, name in enumerate(("category", "category_l2", "category_l3")):
        tally.wrong[name] += int((true_path[:, j] != manual_path[:, j]).sum())
    for i, e in enumerate(EMOTIONS):
        tally.emotion[e] += int((emotion == i).sum())
    tally.language["zh"] += int(zh.sum())
    tally.language["en"] += int((~zh).sum())
    labels = {
        "category": true_path[:, 0],
        "category_l2": true_path[:, 1],
        "category_l3": true_path[:, 2],
        "emotion": np.array(EMOTIONS)[emotion],
        "language": np.where(zh, "zh", "en"),
        "manual": manual_path,
    }
    return note, labels


def truth(country: str, tally: Tally, labels_file: str) -> dict:
    """The ``notes`` section of ``truth.json``."""
    n = max(tally.contacts, 1)
    noted = max(tally.noted, 1)
    return {
        "manual_error_rate": {k: round(v / n, 4) for k, v in tally.wrong.items()},
        "manual_error_design": {
            "rate": MANUAL_ERROR,
            "kinds": ERROR_KINDS,
            "confusable_other_level1": CONFUSABLE,
            "note": "the contacts table stores the manual (agent-chosen) category path; the true one is in the labels file",
        },
        "languages": {
            "rule": "notes are in the country's language (zh in CN, en in US) except a share by channel, lifted in some regions",
            "other_language_by_channel": OTHER_LANGUAGE,
            "other_language_regions": list(OTHER_LANGUAGE_REGIONS[country]),
            "other_language_lift": OTHER_LANGUAGE_LIFT,
            "shares": {k: round(v / n, 4) for k, v in tally.language.items()},
        },
        "emotions": list(EMOTIONS),
        "emotion_model": {
            "negative_logit": EMOTION_COEF,
            "angry_given_negative": {"complaint_or_repeat": 0.65, "otherwise": 0.35},
            "satisfied_given_positive": {"resolved_first_contact": 0.6, "otherwise": 0.25},
            "shown_in_words": EMOTION_SHOWN,
            "shares": {k: round(v / n, 4) for k, v in tally.emotion.items()},
        },
        "labels": labels_file,
        "null_notes": "abandoned contacts, and an 'empty' share of the answered ones, have no note",
        "shapes": {
            "planted": SHARES,
            "shares_of_notes": {k: round(v / noted, 4) for k, v in tally.kinds.items()},
        },
        "personal_data": {
            "counts": tally.personal,
            "formats": PERSONAL_FORMATS[country],
        },
    }
