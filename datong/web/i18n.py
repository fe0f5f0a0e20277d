"""Console strings in zh-CN (the default) and English, and picking the reader's language."""

from __future__ import annotations

from datong.web.messages import MESSAGES

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
MISSING = "⟦{}⟧"  # what an unknown key renders as, so tests can find it on a page


def pick_language(query: str | None, accept: str | None, cookie: str | None = None) -> str:
    """`?lang=` first, then the console's language cookie, then Accept-Language."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
        if choice == "zh":
            return DEFAULT
    if accept and accept.lower().startswith("en"):
        return "en"
    return DEFAULT


def other_language(lang: str) -> str:
    return "en" if lang == DEFAULT else DEFAULT


class Translator:
    """`t("key")` or `t("key", n=3)` in templates; `t.key` also works for plain strings."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        texts = MESSAGES.get(key)
        if texts is None:
            return MISSING.format(key)
        text = texts[self.lang]
        return text.format(**values) if values else text

    def __getattr__(self, key: str) -> str:
        if key.startswith("__"):
            raise AttributeError(key)
        return self(key)

    def has(self, key: str) -> bool:
        return key in MESSAGES


def translator(lang: str) -> Translator:
    return Translator(lang)
