"""Contact text: text hygiene, emotion per contact (a word list and a trained model), the
early-warning list and emerging topics."""

from cxlab.text._emotions import EmotionEvaluation, Emotions, emotions, evaluate_emotion
from cxlab.text._prepare import TextAccount, prepare_text
from cxlab.text._sentiment import EmotionModel, emotion_lexicon, train_emotion
from cxlab.text._topics import Emerging, emerging
from cxlab.text._warning import EarlyWarning, early_warning

__all__ = [
    "EarlyWarning",
    "Emerging",
    "EmotionEvaluation",
    "EmotionModel",
    "Emotions",
    "TextAccount",
    "early_warning",
    "emerging",
    "emotion_lexicon",
    "emotions",
    "evaluate_emotion",
    "prepare_text",
    "train_emotion",
]
