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

The model is a linear classifier fitted by stochastic gradient descent on the logistic loss (one
against the rest) over TF-IDF words and character n-grams (see :mod:`cxlab.text._features`). Its
scores are turned into probabilities by a softmax whose temperature is fitted on a held-out slice
of the training contacts (``calibration``, 10% by default), which the linear model never saw.

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
    where = np.flatnonzero(mask)[:k]
    if ID in frame.columns:
        return ", ".join(f"{ID} {frame[ID][int(i)]}" for i in where)
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
) -> np.ndarray:
    """The path of each row as one string array per level, refused when a label is missing, a
    child has two parents, or (with ``taxonomy``) the path is not in it."""
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
    for level in range(1, len(labels)):
        parent, child = labels[level - 1], labels[level]
        parents = paths.group_by(child).agg(pl.col(parent).unique().alias("parents"))
        twice = parents.filter(pl.col("parents").list.len() > 1)
        if twice.height:
            name = twice[child][0]
            mask = (paths[child] == name).to_numpy()
            raise SchemaError(
                f"labels: {child} {name!r} sits under more than one {parent} "
                f"({', '.join(sorted(twice['parents'][0].to_list()))}), e.g. "
                f"{_rows_named(frame, mask)}; each path must be a path of one taxonomy."
            )
    return paths


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises the held-out log loss (Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar

    def loss(log_t: float) -> float:
        p = _softmax(scores, float(np.exp(log_t)))
        return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-12))))

    best = minimize_scalar(loss, bounds=(-5.0, 5.0), method="bounded")
    return float(np.exp(best.x))


@dataclass
class ContactClassifier:
    """A fitted contact-reason classifier: call :meth:`predict` on new contacts.

    ``paths`` are the taxonomy paths it knows (one per leaf), ``temperature`` the fitted softmax
    temperature, ``trained`` counts the training contacts (used, held out for calibration, and
    skipped for an empty text), ``max_chars`` is the length texts are cut to (by
    :func:`cxlab.text.prepare_text`, in training and prediction alike).
    """

    text: str
    labels: tuple[str, ...]
    paths: pl.DataFrame  # one row per leaf: the labels' columns, in class order
    features: TextFeatures = field(repr=False)
    model: object = field(repr=False)
    temperature: float = 1.0
    trained: dict[str, int] = field(default_factory=dict)
    max_chars: int = MAX_CHARS

    def _level_maps(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per level: its category names and the leaf -> category index."""
        maps = []
        for col in self.labels:
            names, index = np.unique(self.paths[col].to_numpy().astype(str), return_inverse=True)
            maps.append((names, index))
        return maps

    def _probabilities(self, x) -> np.ndarray:
        return _softmax(self.model.decision_function(x), self.temperature)

    def predict(self, contacts: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        """The predicted path of each contact with per-level probabilities.

        The text is read as :func:`cxlab.text.prepare_text` gives it (unless ``contacts``
        already went through it). Columns: ``contact_id`` (when given), ``<label>_predicted`` and
        ``<label>_probability`` for each level, ``path_probability`` (the chance the whole path
        is right), ``text_language`` (``zh``, ``en``, ``mixed`` or ``unknown``; null for an empty
        text, which is not classified: every prediction null) and ``text_truncated`` (read up to
        :attr:`max_chars` characters).

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
        for start in range(0, len(rows), BATCH):
            part = rows[start : start + BATCH]
            x = self.features.transform(cleaned.gather(part))
            p_leaf = self._probabilities(x)
            allowed = np.ones((len(part), p_leaf.shape[1]), dtype=bool)  # leaves still possible
            for col, (names, index) in zip(self.labels, maps, strict=True):
                marg = np.zeros((len(part), len(names)))
                for j in range(len(names)):
                    marg[:, j] = (p_leaf * (allowed & (index == j))).sum(axis=1)
                pick = marg.argmax(axis=1)
                chosen[col][part] = pick
                prob[col][part] = marg[np.arange(len(part)), pick]
                allowed &= index[None, :] == pick[:, None]
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
        path outside it is refused, naming the contacts. Without it, the paths seen in training
        are the taxonomy, and a category under two parents is refused.
    calibration
        The share of training contacts held out to fit the probabilities' temperature.
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
    temperature = _fit_temperature(wrapped.decision_function_from(scores_held), y[held])
    leaf_paths = pl.DataFrame(
        [[p.split("\x1f")[i] for p in leaf_names] for i in range(len(labels))],
        schema=list(labels),
        orient="col",
    )
    return ContactClassifier(
        text=text,
        labels=labels,
        paths=leaf_paths,
        features=features,
        model=wrapped,
        temperature=temperature,
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
