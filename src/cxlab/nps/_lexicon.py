"""The NPS room's names for the shared text lexicon (:mod:`cxlab.features`): comment language,
words, themes and sentiment."""

from cxlab.features import Lexicon, analyse_text, detect_language, text_lexicon, text_tokens

analyse = analyse_text
lexicon = text_lexicon
tokens = text_tokens

__all__ = ["Lexicon", "analyse", "detect_language", "lexicon", "tokens"]
