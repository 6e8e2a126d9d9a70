"""A contact-reason classifier trained on labelled history, whose predicted path is always a path
of the taxonomy.

The classifier is *flat over the leaves*: each valid path (``Orders / Delivery / Delayed
delivery``) is one class of a linear model, and the probability of a level-1 or level-2 category
is the sum of its leaves' probabilities. Every ancestor is implied by its leaf, so no combination
of levels can be invalid, and the three levels' probabilities agree with each other by
construction (a product of separately fitted level models does not, and compounds its errors).
With tens of leaves the flat model costs little more than a level-1 model. A path is decoded top
down: the most probable level-1 category, then its most probable child, then that child's most
probable leaf, so the level-1 answer is the one the level-1 marginal prefers (the programme's
target is on level 1). ``path_probability`` is the decoded leaf's probability, the chance the
whole path is right.

A category is its path: "Other" under Charges and "Other" under Returns are two level-3
categories, and level 2 is right only when levels 1 and 2 both are.

The model is a linear classifier fitted by stochastic gradient descent on the logistic loss (one
against the rest) over TF-IDF words and character n-grams (see :mod:`cxlab.text._features`). Its
scores are turned into probabilities by a softmax whose temperature is fitted on a held-out slice
of the training contacts (``calibration``, 10% by default), which the linear model never saw: one
temperature per level, each minimising the held-out log loss of that level's summed
probabilities. With noisy leaf labels the leaf temperature is high (the leaves are often wrong)
while level 1 is seldom wrong; one temperature for all levels left level-1 probabilities far too
modest. The path is decoded with the leaf temperature; each level reports its own calibrated
probability of the decoded category (never above its parent's).

References
----------
Guo, C., Pleiss, G., Sun, Y. and Weinberger, K. Q. (2017). On calibration of modern neural
networks. *ICML* (temperature scaling). Silla, C. N. and Freitas, A. A. (2011). A survey of
hierarchical classification across different application domains. *Data Mining and Knowledge
Discovery* 22, 31-72 (flat classification of leaf paths). Bottou, L. (2010). Large-scale machine
learning with stochastic gradient descent. *COMPSTAT*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._present import label
from cxlab.text._features import TextFeatures, clean
from cxlab.text._prepare import MAX_CHARS, prepared

BATCH = 200_000  # contacts classified at a time (bounds the memory of a large frame)
ID = "contact_id"


PREPARED = ("text_language", "text_truncated")  # what prepare_text adds


def _collect(frame: pl.DataFrame | pl.LazyFrame, columns: list[str]) -> pl.DataFrame:
    """The columns read (and the contact id, and what :func:`prepare_text` added, when there)."""
    have = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    missing = [c for c in columns if c not in have]
    if missing:
        raise SchemaError(
            f"the contacts have no column {', '.join(map(repr, missing))}; "
            f"columns present: {', '.join(have[:12])}."
        )
    keep = ([ID] if ID in have and ID not in columns else []) + columns
    keep += [c for c in PREPARED if c in have and c not in keep]
    out = frame.select(keep)
    return out.collect() if isinstance(out, pl.LazyFrame) else out


def _rows_named(frame: pl.DataFrame, mask: np.ndarray, k: int = 5) -> str:
    """A few offending rows, contact ids masked (an error text can reach a published page)."""
    from cxlab._masking import mask_id

    where = np.flatnonzero(mask)[:k]
    if ID in frame.columns:
        return ", ".join(f"{ID} {mask_id(frame[ID][int(i)])}" for i in where)
    return ", ".join(f"row {int(i)}" for i in where)


def _taxonomy_paths(taxonomy: Mapping, depth: int) -> set[tuple[str, ...]]:
    def walk(node, prefix: tuple[str, ...]):
        if len(prefix) == depth:
            yield prefix
            return
        children = node.items() if isinstance(node, Mapping) else ((c, None) for c in node)
        for name, sub in children:
            yield from walk(sub, (*prefix, str(name)))

    return set(walk(taxonomy, ()))


def _check_paths(
    frame: pl.DataFrame, labels: tuple[str, ...], taxonomy: Mapping | None
) -> pl.DataFrame:
    """The labels of each row as text, refused when a label is missing or (with ``taxonomy``)
    the path is not in it. A category is its path, so a name used under two parents ("Other"
    under every level-1 reason) is two categories."""
    for col in labels:
        nulls = frame[col].is_null().to_numpy()
        if nulls.any():
            raise SchemaError(
                f"labels: column {col!r} is empty in {int(nulls.sum())} training contacts "
                f"({_rows_named(frame, nulls)}); train on labelled contacts only."
            )
    paths = frame.select([pl.col(c).cast(pl.Utf8) for c in labels])
    if taxonomy is not None:
        valid = _taxonomy_paths(taxonomy, len(labels))
        keys = list(zip(*[paths[c].to_list() for c in labels], strict=True))
        bad = np.array([k not in valid for k in keys])
        if bad.any():
            shown = sorted({" / ".join(keys[i]) for i in np.flatnonzero(bad)})[:3]
            raise SchemaError(
                f"labels: {int(bad.sum())} training contacts carry a path that is not in the "
                f"taxonomy ({_rows_named(frame, bad)}), e.g. {'; '.join(shown)}."
            )
    return paths


def distinct_names(paths: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """A name per path prefix for a reader: the category's own name, followed by its parents'
    (nearest first, in brackets, in the reader's language) only where two prefixes of the same
    level share a name.

    >>> from cxlab._present import use_language
    >>> with use_language("en"):
    ...     distinct_names([("Billing", "Other"), ("Orders", "Other"), ("Orders", "Returns")])
    {('Billing', 'Other'): 'Other (Billing)', ('Orders', 'Other'): 'Other (Orders)', \
('Orders', 'Returns'): 'Returns'}
    """
    unique = sorted(set(map(tuple, paths)))
    out: dict[tuple[str, ...], str] = {}
    for p in unique:
        for up in range(len(p)):  # add parents until the name is unique among its level's
            key = p[len(p) - 1 - up :]
            if sum(1 for q in unique if len(q) == len(p) and q[len(q) - 1 - up :] == key) == 1:
                break
        parents = [label(q) for q in reversed(p[len(p) - 1 - up : -1])]
        out[p] = p[-1] if not parents else f"{label(p[-1])} ({' › '.join(parents)})"
    return out


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _fit_temperature(scores: np.ndarray, y: np.ndarray, index: np.ndarray | None = None) -> float:
    """The softmax temperature that minimises the held-out log loss (Guo et al. 2017) of the
    leaves, or of the categories ``index`` groups the leaves into (``y`` their codes): a level's
    probability is the sum of its leaves', so each level gets the temperature of its own loss."""
    from scipy.optimize import minimize_scalar

    group = None
    if index is not None:
        group = np.zeros((scores.shape[1], int(index.max()) + 1))
        group[np.arange(scores.shape[1]), index] = 1.0

    def loss(log_t: float) -> float:
        p = _softmax(scores, float(np.exp(log_t)))
        if group is not None:
            p = p @ group
        return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-12))))

    best = minimize_scalar(loss, bounds=(-5.0, 5.0), method="bounded")
    return float(np.exp(best.x))


def _prefix_index(paths: pl.DataFrame, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The categories of level ``depth`` (1 = the first label) as the distinct path prefixes of
    the leaves ``paths`` (one row per leaf): each category's name, and the leaf -> category
    index. A name under two parents is two categories."""
    cols = paths.columns[:depth]
    keys = paths.select(pl.concat_str(cols, separator="\x1f").alias("key"))["key"].to_numpy()
    uniq, index = np.unique(keys.astype(str), return_inverse=True)
    return np.array([k.split("\x1f")[-1] for k in uniq], dtype=object), index


@dataclass
class ContactClassifier:
    """A fitted contact-reason classifier: call :meth:`predict` on new contacts.

    ``paths`` are the taxonomy paths it knows (one per leaf), ``temperature`` the softmax
    temperature fitted on the leaves (it decodes the path), ``temperatures`` one per level (each
    level's reported probability), ``trained`` counts the training contacts (used, held out for
    calibration, and skipped for an empty text), ``max_chars`` is the length texts are cut to (by
    :func:`cxlab.text.prepare_text`, in training and prediction alike).
    """

    text: str
    labels: tuple[str, ...]
    paths: pl.DataFrame  # one row per leaf: the labels' columns, in class order
    features: TextFeatures = field(repr=False)
    model: object = field(repr=False)
    temperature: float = 1.0
    trained: dict[str, int] = field(default_factory=dict)
    temperatures: tuple[float, ...] = ()  # one per level; empty: ``temperature`` for all
    max_chars: int = MAX_CHARS

    def _level_maps(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per level: its categories' names (one per path prefix, so a name may repeat under
        two parents) and the leaf -> category index."""
        return [_prefix_index(self.paths, depth) for depth in range(1, len(self.labels) + 1)]

    def _temperatures(self) -> tuple[float, ...]:
        return self.temperatures or (self.temperature,) * len(self.labels)

    def _probabilities(self, x) -> np.ndarray:
        return _softmax(self.model.decision_function(x), self.temperature)

    def predict(self, contacts: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        """The predicted path of each contact with per-level probabilities.

        The text is read as :func:`cxlab.text.prepare_text` gives it (unless ``contacts``
        already went through it). Columns: ``contact_id`` (when given), ``<label>_predicted`` and
        ``<label>_probability`` for each level (a level's category is the predicted path down to
        it; its probability is calibrated for that level), ``path_probability`` (the chance the
        whole path is right), ``text_language`` (``zh``, ``en``, ``mixed`` or ``unknown``; null
        for an empty text, which is not classified: every prediction null) and
        ``text_truncated`` (read up to :attr:`max_chars` characters).

        Examples
        --------
        >>> import polars as pl
        >>> import cxlab as cx
        >>> train = pl.DataFrame({
        ...     "note": ["refund not received", "parcel is late", "退款还没到", "快递太慢了"] * 10,
        ...     "category": ["Billing", "Orders", "Billing", "Orders"] * 10})
        >>> model = cx.text.train_classifier(train, labels=("category",), calibration=0.3)
        >>> model.predict(pl.DataFrame({"note": ["where is my refund", "", "快递"]}))[
        ...     "category_predicted"].to_list()
        ['Billing', None, 'Orders']
        """
        frame, _account = prepared(
            _collect(contacts, [self.text]), text=self.text, max_chars=self.max_chars
        )
        cleaned = clean(frame[self.text])
        maps = self._level_maps()
        n = frame.height
        chosen = {col: np.full(n, -1) for col in self.labels}
        prob = {col: np.full(n, np.nan) for col in self.labels}
        rows = np.flatnonzero(cleaned.is_not_null().to_numpy())
        temperatures = self._temperatures()
        for start in range(0, len(rows), BATCH):
            part = rows[start : start + BATCH]
            scores = self.model.decision_function(self.features.transform(cleaned.gather(part)))
            p_leaf = _softmax(scores, self.temperature)  # decodes the path
            allowed = np.ones(scores.shape, dtype=bool)  # leaves still possible
            above = np.ones(len(part))  # a path prefix is never likelier than its parent
            for col, (names, index), t in zip(self.labels, maps, temperatures, strict=True):
                marg = np.zeros((len(part), len(names)))
                for j in range(len(names)):
                    marg[:, j] = (p_leaf * (allowed & (index == j))).sum(axis=1)
                pick = marg.argmax(axis=1)
                chosen[col][part] = pick
                allowed &= index[None, :] == pick[:, None]
                # the level's calibrated probability of the chosen category (its leaves' sum)
                level_p = (_softmax(scores, t) * allowed).sum(axis=1)
                above = np.minimum(above, level_p)
                prob[col][part] = above
        out = {} if ID not in frame.columns else {ID: frame[ID]}
        for col, (names, _index) in zip(self.labels, maps, strict=True):
            pick = chosen[col]
            values = np.where(pick >= 0, names[np.maximum(pick, 0)], None)
            out[f"{col}_predicted"] = pl.Series(values.tolist(), dtype=pl.Utf8)
        for col in self.labels:
            out[f"{col}_probability"] = pl.Series(prob[col]).fill_nan(None)
        out["path_probability"] = out[f"{self.labels[-1]}_probability"]
        out["text_language"] = frame["text_language"]
        out["text_truncated"] = frame["text_truncated"]
        return pl.DataFrame(out)


def train_classifier(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    text: str = "note",
    labels: Sequence[str] = ("category", "category_l2", "category_l3"),
    taxonomy: Mapping | None = None,
    calibration: float = 0.1,
    min_df: int = 2,
    char_bits: int = 18,
    penalty: float = 1e-5,
    epochs: int = 3,
    seed: int = 0,
    max_chars: int = MAX_CHARS,
) -> ContactClassifier:
    """Train a contact-reason classifier on labelled contacts.

    Parameters
    ----------
    contacts
        The labelled history: a text column and one column per taxonomy level, coarsest first
        (train on the months before the one you evaluate on).
    text
        The free-text column (a note or a transcript; Chinese, English or mixed).
    labels
        The label columns, level 1 first. One column gives a flat classifier.
    taxonomy
        Optional nested mapping of the valid paths (as ``cx.data``'s ``TAXONOMY``); a training
        path outside it is refused, naming the contacts (ids masked). Without it, the paths seen
        in training are the taxonomy. A category is its path: a name under two parents is two
        categories.
    calibration
        The share of training contacts held out to fit the probabilities' temperatures (one per
        level).
    min_df
        A word (or word pair) is a feature when at least this many training texts hold it.
    char_bits
        Character n-grams are hashed into ``2**char_bits`` columns.
    penalty
        The L2 penalty of the linear model (scikit-learn's ``SGDClassifier(alpha=...)``).
    epochs
        Passes of stochastic gradient descent over the training contacts.
    seed
        Seeds the calibration slice and the gradient descent.
    max_chars
        Texts are cut to this many characters by :func:`cxlab.text.prepare_text` (which also
        scrubs personal data and sets empty texts aside) before anything is read, here and in
        :meth:`ContactClassifier.predict`.

    Returns
    -------
    ContactClassifier
        Call ``.predict(contacts)``; evaluate it with :func:`cxlab.text.evaluate`.

    Raises
    ------
    SchemaError
        A missing column, a missing label, or a path that is not a path of the taxonomy.
    NotEnoughDataError
        Fewer than two paths, or too few texts to hold out a calibration slice.

    References
    ----------
    Guo, C. et al. (2017). On calibration of modern neural networks. *ICML*. Silla, C. N. and
    Freitas, A. A. (2011). A survey of hierarchical classification. *DMKD* 22, 31-72.

    Examples
    --------
    >>> import polars as pl
    >>> import cxlab as cx
    >>> train = pl.DataFrame({
    ...     "note": ["refund not received", "parcel is late", "退款还没到", "快递太慢了"] * 10,
    ...     "category": ["Billing", "Orders", "Billing", "Orders"] * 10})
    >>> model = cx.text.train_classifier(train, labels=("category",), calibration=0.3)
    >>> model.paths["category"].to_list()
    ['Billing', 'Orders']
    """
    from sklearn.linear_model import SGDClassifier

    labels = tuple(labels)
    if not labels:
        raise OptionError("labels=() names no label column; give at least the level-1 column.")
    if not 0 < calibration < 0.5:
        raise OptionError(
            f"calibration={calibration!r} is not a share between 0 and 0.5 of the training "
            "contacts (the slice held out to fit the probabilities), e.g. calibration=0.1."
        )
    frame = _collect(contacts, [text, *labels])
    paths = _check_paths(frame, labels, taxonomy)
    frame, account = prepared(frame, text=text, max_chars=max_chars)
    cleaned = clean(frame[text])
    keep = cleaned.is_not_null().to_numpy()
    leaf_of = paths.select(pl.concat_str(list(labels), separator="\x1f").alias("leaf"))["leaf"]
    leaf_names, y_all = np.unique(leaf_of.to_numpy().astype(str), return_inverse=True)
    y, texts = y_all[keep], cleaned.filter(pl.Series(keep))
    if len(leaf_names) < 2:
        raise NotEnoughDataError(
            f"labels: the training contacts carry {len(leaf_names)} path; a classifier needs two."
        )
    rng = np.random.default_rng(seed)
    held = rng.random(len(y)) < calibration
    if held.sum() < 5 or (~held).sum() < 10:
        raise NotEnoughDataError(
            f"{text}: {int(keep.sum())} training contacts with a text; at least 10 "
            "to fit and 5 held out for calibration are needed."
        )
    features = TextFeatures(min_df=min_df, char_bits=char_bits)
    x_fit = features.fit_transform(texts.filter(pl.Series(~held)))
    model = SGDClassifier(
        loss="log_loss",
        alpha=penalty,
        max_iter=epochs,
        tol=None,
        random_state=seed,
        n_jobs=2,
        average=True,
    )
    present = np.unique(y[~held])
    model.fit(x_fit, y[~held])
    scores_held = model.decision_function(features.transform(texts.filter(pl.Series(held))))
    wrapped = _Model(model, present, len(leaf_names))
    leaf_paths = pl.DataFrame(
        [[p.split("\x1f")[i] for p in leaf_names] for i in range(len(labels))],
        schema=list(labels),
        orient="col",
    )
    full = wrapped.decision_function_from(scores_held)
    temperatures = []
    for depth in range(1, len(labels) + 1):  # one temperature per level, on its own log loss
        _names, index = _prefix_index(leaf_paths, depth)
        temperatures.append(_fit_temperature(full, index[y[held]], index))
    return ContactClassifier(
        text=text,
        labels=labels,
        paths=leaf_paths,
        features=features,
        model=wrapped,
        temperature=temperatures[-1],
        temperatures=tuple(temperatures),
        trained={
            "n": frame.height,
            "fitted": int((~held).sum()),
            "calibration": int(held.sum()),
            "empty": account.empty,
            "truncated": account.truncated,
            "max_chars": max_chars,
        },
        max_chars=max_chars,
    )


def _two(scores: np.ndarray) -> np.ndarray:
    """Binary scores (one column) as two logits."""
    return np.column_stack([-scores / 2, scores / 2])


@dataclass
class _Model:
    """The linear model's scores over every leaf (a leaf absent from the fitted part scores -inf)."""

    model: object
    present: np.ndarray
    n_classes: int

    def decision_function_from(self, scores: np.ndarray) -> np.ndarray:
        if scores.ndim == 1:
            scores = _two(scores)
        full = np.full((scores.shape[0], self.n_classes), -1e3)
        full[:, self.present] = scores
        return full

    def decision_function(self, x) -> np.ndarray:
        return self.decision_function_from(self.model.decision_function(x))


SEP = "\x1f"


def _prefixes(frame: pl.DataFrame, columns: Sequence[str], depth: int) -> pl.Series:
    """Each row's path prefix of ``depth`` levels as one string (null where a part is missing)."""
    return frame.select(
        pl.concat_str([pl.col(c).cast(pl.Utf8) for c in columns[:depth]], separator=SEP)
    ).to_series()


def named_by_path(
    frame: pl.DataFrame, labels: Sequence[str], suffixes: Sequence[str]
) -> pl.DataFrame:
    """``frame`` with each level's columns ``<label>_<suffix>`` (predicted, manual, true...)
    holding one name per path prefix, so that comparing two columns of a level compares
    categories, not names: "Other" under Charges and "Other" under Returns differ and are shown
    as "Other (Charges)" and "Other (Returns)"; a name used once keeps its own spelling."""
    out = []
    for depth in range(2, len(labels) + 1):
        cols = {s: [f"{c}_{s}" for c in labels] for s in suffixes}
        cols = {s: c for s, c in cols.items() if all(x in frame.columns for x in c[:depth])}
        keys = {s: _prefixes(frame, c, depth) for s, c in cols.items()}
        seen = {k for series in keys.values() for k in series.drop_nulls().unique().to_list()}
        names = distinct_names([tuple(k.split(SEP)) for k in seen])
        mapping = {SEP.join(p): name for p, name in names.items()}
        for s, series in keys.items():
            shown = series.replace_strict(mapping, default=None, return_dtype=pl.Utf8)
            out.append(shown.alias(f"{labels[depth - 1]}_{s}"))
    return frame.with_columns(out) if out else frame


def unlearnt(
    classifier: ContactClassifier, frame: pl.DataFrame, suffix: str
) -> tuple[int, list[str]]:
    """The contacts of ``frame`` whose reference reason (``<label>_<suffix>`` columns, raw
    names) is a path the classifier never saw in training, and those reasons by name (the
    coarsest level it did not know, its parents added where a name repeats), most frequent
    first."""
    labels = classifier.labels
    cols = [f"{c}_{suffix}" for c in labels]
    if not all(c in frame.columns for c in cols):
        return 0, []
    known = [
        {tuple(k.split(SEP)) for k in _prefixes(classifier.paths, labels, d).to_list()}
        for d in range(1, len(labels) + 1)
    ]
    missing: dict[tuple[str, ...], int] = {}
    for depth in range(1, len(labels) + 1):
        counted = _prefixes(frame, cols, depth).drop_nulls().value_counts()
        for key, n in counted.iter_rows():
            p = tuple(key.split(SEP))
            if p in known[depth - 1]:
                continue
            if depth == 1 or p[:-1] in known[depth - 2]:  # its parent known: counted here
                missing[p] = n
    if not missing:
        return 0, []
    names = distinct_names([*missing, *(p for level in known for p in level)])
    order = sorted(missing, key=lambda p: (-missing[p], names[p]))
    return sum(missing.values()), [names[p] for p in order]
