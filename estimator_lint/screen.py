"""The screen: which files can hold a finding, decided on their text before they are
parsed (and mostly before they are decoded): a file that mentions none of the Estimator
words outside comments and strings cannot hold a finding.
"""

from __future__ import annotations

import functools
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from estimator_lint.settings import Settings
from estimator_lint.source import SourceError, decode_source

#: Comments and string literals.  A prefix (``r``, ``b``, ``f``, ...) stays outside the
#: match; a literal's end is found as the tokenizer finds it (escapes, triple quotes).
_NON_CODE = re.compile(
    r"#[^\r\n]*"
    r"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'"
    r'|"[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"'
)


def might_have_findings(text: str, words: Sequence[str]) -> bool:
    """Cheap text test: a file that mentions none of ``words`` cannot hold a finding."""
    return any(word in text for word in words)


@dataclass(frozen=True)
class _ScreenPlan:
    #: Every word contains one of these (fewer, shorter needles: one pass over the text each).
    anchors: Tuple[str, ...]
    anchors_bytes: Tuple[bytes, ...]
    #: The words themselves (none containing another).
    words: "re.Pattern[str]"


@functools.lru_cache(maxsize=16)
def _screen_plan(words: Tuple[str, ...]) -> Optional[_ScreenPlan]:
    """None when every text passes (an empty word)."""
    if not words or "" in words:
        return None
    minimal = sorted({w for w in words if not any(o != w and o in w for o in words)}, key=lambda w: (-len(w), w))
    anchors = _anchors(minimal)
    return _ScreenPlan(
        tuple(anchors),
        tuple(a.encode("utf-8") for a in anchors),
        re.compile("|".join(re.escape(w) for w in minimal)),
    )


def _anchors(words: Sequence[str]) -> List[str]:
    """A few substrings that every word contains: CamelCase tails shared by several words
    (``Classifier``, ``Regressor``), the other words themselves."""
    tails: dict = {}
    for word in sorted(words):
        for i in range(1, len(word) - 5):
            if word[i].isupper():
                tails.setdefault(word[i:], set()).add(word)
    uncovered = set(words)
    anchors: List[str] = []
    while tails:
        tail, covers = max(tails.items(), key=lambda kv: (len(kv[1] & uncovered), len(kv[0])))
        if len(covers & uncovered) < 2:
            break
        anchors.append(tail)
        uncovered -= covers
        del tails[tail]
    return anchors + sorted(uncovered)


def _prefix_of_literal(text: str, start: int) -> str:
    """The letters right before the quote at ``start`` (a string prefix such as ``rb``)."""
    prefix = text[max(0, start - 2):start]
    while prefix and not prefix.isalpha():
        prefix = prefix[1:]
    return prefix


def _words_in_names(text: str, words: "re.Pattern[str]") -> bool:
    """Python >= 3.12 (PEP 701: quotes nest inside f-strings): ask the C tokenizer."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME and words.search(tok.string):
                return True
    except Exception:  # not tokenizable: let the parser report it
        return True
    return False


def _words_in_code(text: str, words: "re.Pattern[str]") -> bool:
    """Whether one of ``words`` occurs outside comments and string literals.

    Conservative by construction: text the scanner does not recognise as a complete
    comment or literal counts as code, and f-strings (whose replacement fields are code)
    count as code whole.
    """
    # Hits are found one at a time, each from where the last comment or literal ended (no
    # word match can cross its end: words hold no quote and no line break).
    found = words.search(text)
    if found is None:
        return False
    hit = found.start()
    for m in _NON_CODE.finditer(text):
        start, end = m.span()
        if hit < start:
            return True
        if text[start] != "#":
            prefix = _prefix_of_literal(text, start)
            if "f" in prefix or "F" in prefix or "t" in prefix or "T" in prefix:
                if sys.version_info >= (3, 12):
                    return _words_in_names(text, words)
                if hit < end:
                    return True
        if hit < end:
            found = words.search(text, end)
            if found is None:
                return False
            hit = found.start()
    return True


def may_hold_findings(text: str, settings: Optional[Settings] = None) -> bool:
    """Whether ``text`` can hold a finding: a prefilter word outside comments and strings.

    Every finding needs an Estimator class or a model_fn, and the analysis finds those
    only through identifiers (import, base class, call, keyword, function name) that
    contain one of :meth:`Settings.prefilter_words`; a word that occurs only in comments
    or docstrings (as in most of TensorFlow's own modules) cannot make one.  Always true
    when ``settings.prefilter`` is off.
    """
    settings = settings or Settings()
    return not settings.prefilter or mentions_words(text, settings.prefilter_words())


def mentions_words(text: str, words: Sequence[str]) -> bool:
    """Whether one of ``words`` occurs in ``text`` outside comments and string literals."""
    plan = _screen_plan(tuple(words))
    if plan is None:
        return True
    if not any(anchor in text for anchor in plan.anchors):
        return False
    return _words_in_code(text, plan.words)


def _has_coding_cookie(data: bytes) -> bool:
    end = data.find(b"\n")
    if end >= 0:
        end = data.find(b"\n", end + 1)
    return b"coding" in (data if end < 0 else data[:end])


def may_hold_findings_bytes(data: bytes, settings: Optional[Settings] = None) -> bool:
    """:func:`may_hold_findings` for a file's bytes, decoding only the files that need it.

    Pure-ASCII bytes without a coding cookie decode as themselves, so they are screened
    as bytes; anything else is decoded as the interpreter would.  True also when the
    bytes cannot be decoded, so that :func:`lint_file` reports why.
    """
    settings = settings or Settings()
    return not settings.prefilter or mentions_words_bytes(data, settings.prefilter_words())


def mentions_words_bytes(data: bytes, words: Sequence[str]) -> bool:
    """:func:`mentions_words` for a file's bytes (the project index screens with it too).

    Pure-ASCII bytes without a coding cookie are screened as bytes; anything else is
    decoded as the interpreter would.  True when the bytes cannot be decoded.
    """
    plan = _screen_plan(tuple(words))
    if plan is None:
        return True
    if data.isascii() and not _has_coding_cookie(data):
        if not any(anchor in data for anchor in plan.anchors_bytes):
            return False
        text = data.decode("ascii")
    else:
        try:
            text = decode_source(data)
        except SourceError:
            return True
    return mentions_words(text, words)

