"""The workspace's words in Chinese (the default) and English (`?lang=en`, kept in a cookie)."""

from __future__ import annotations

from collections.abc import Callable

from serving.ui.words import WORDS

LANGS = ("zh", "en")
# the reasons an officer may give for dismissing a warning (words: "dismiss_<code>")
DISMISS_REASONS = ("rectified", "not_operating", "recently_inspected", "data_error", "handled",
                   "other")
COOKIE = "riskwarn_lang"

def pick(lang_param: str | None, lang_cookie: str | None) -> str:
    """The page's language: the query's `lang` if known, else the cookie's, else Chinese."""
    for lang in (lang_param, lang_cookie):
        if lang in LANGS:
            return lang
    return "zh"


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)`: the word in `lang`, with `{placeholders}` filled in."""
    index = LANGS.index(lang)

    def t(key: str, **values: object) -> str:
        text = WORDS[key][index] if key in WORDS else key
        return text.format(**values) if values else text
    return t


def meaning_of(industry: str | None, lang: str) -> str:
    """What the industry's probability is the chance of, in the page's language
    (`features/industries.yaml`)."""
    from features.industries import default_config

    for key, spec in default_config().industries.items():
        if key == industry:
            return spec.meaning_zh if lang == "zh" else spec.meaning_en
    return ""
