"""Contact text: text hygiene, a contact-reason classifier over the three-level taxonomy (TF-IDF
words and character n-grams, a calibrated linear model, paths always valid) and its evaluation on a
later month (accuracy and macro-F1 per level, confusions, calibration, the routing curve), emotion
per contact (a word list and a trained model), the early-warning list and emerging topics; and
the contact-reasons report's shares, trend and answer."""

from cxlab.text._answer import ContactReasonsAnswer, answer
from cxlab.text._classify import ContactClassifier, train_classifier
from cxlab.text._emotions import EmotionEvaluation, Emotions, emotions, evaluate_emotion
from cxlab.text._evaluate import ClassifierEvaluation, evaluate
from cxlab.text._prepare import TextAccount, prepare_text
from cxlab.text._reasons import (
    EmotionTrend,
    ReasonShares,
    classification,
    emotion_trend,
    reasons,
    rising,
    true_labels_or_none,
)
from cxlab.text._sentiment import EmotionModel, emotion_lexicon, train_emotion
from cxlab.text._topics import Emerging, emerging
from cxlab.text._warning import EarlyWarning, early_warning

__all__ = [
    "ClassifierEvaluation",
    "ContactClassifier",
    "ContactReasonsAnswer",
    "EarlyWarning",
    "Emerging",
    "EmotionEvaluation",
    "EmotionModel",
    "EmotionTrend",
    "Emotions",
    "ReasonShares",
    "TextAccount",
    "answer",
    "classification",
    "early_warning",
    "emerging",
    "emotion_lexicon",
    "emotion_trend",
    "emotions",
    "evaluate",
    "evaluate_emotion",
    "prepare_text",
    "reasons",
    "rising",
    "train_classifier",
    "train_emotion",
    "true_labels_or_none",
]
