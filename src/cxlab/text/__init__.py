"""Contact text: a contact-reason classifier over the three-level taxonomy (TF-IDF words and
character n-grams, a calibrated linear model, paths always valid) and its evaluation on a later
month (accuracy and macro-F1 per level, confusions, calibration, the routing curve)."""

from cxlab.text._classify import ContactClassifier, train_classifier
from cxlab.text._evaluate import ClassifierEvaluation, evaluate

__all__ = [
    "ClassifierEvaluation",
    "ContactClassifier",
    "evaluate",
    "train_classifier",
]
