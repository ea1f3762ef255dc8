"""Words and their lemmas: a tokenizer and a lookup lemmatizer, for patterns over lemmas.

The lemma tables are the lookup tables of the ``spacy-lookups-data`` package (installed,
read once, nothing downloaded). A page becomes a *lemma line*: every token's lower-cased
lemma followed by one space ("Ding confiscated the victim's passports" reads
``ding confiscate the victim 's passport ``), with each token's span in the page, so a
match on the lemma line maps back to the words of the page.

Cost: one regex pass and one dictionary lookup per token (no parser, no tagger); see
``benchmarks/extract.py``.
"""

from __future__ import annotations

import gzip
import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

# Words, numbers with their unit ("14+", "15-year-old"), "n't" and "'s" apart, punctuation.
_TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}|\w+(?=n['’]t\b)|n['’]t\b|['’]s\b|\w+(?:[-–+/]\w+)*\+?"
    r"|[^\w\s]"
)
# Irregular or missing forms the lookup table gets wrong for legal prose.
_OVERRIDES = {
    "as": "as",
    "us": "us",
    "n't": "not",
    "n’t": "not",
    "'s": "'s",
    "’s": "'s",
    "harbored": "harbor",
    "harboured": "harbor",
    "harbouring": "harbor",
    "harbour": "harbor",
    # The noun of legal prose ("kept half of the proceeds"), not the verb's third person.
    "proceeds": "proceeds",
    "benefitted": "benefit",
    "benefitting": "benefit",
    "labour": "labor",
    "labours": "labor",
    "forcing": "force",
    "forced": "force",
    "threatened": "threaten",
    "withheld": "withhold",
    "prostituted": "prostitute",
    "prostituting": "prostitute",
    "lured": "lure",
    "luring": "lure",
    "smuggled": "smuggle",
    "smuggling": "smuggle",
    "trafficked": "traffic",
    "trafficking": "trafficking",
    "beaten": "beat",
    "confined": "confine",
    "deported": "deport",
    "was": "be",
    "were": "be",
    "is": "be",
    "are": "be",
    "been": "be",
    "being": "be",
    "am": "be",
    "'re": "be",
    "had": "have",
    "has": "have",
}


@lru_cache(maxsize=4)
def lemma_table(language: str) -> dict[str, str]:
    """The lookup table word form -> lemma of ``language`` ("en", "es"); empty if absent."""
    try:
        data = files("spacy_lookups_data").joinpath("data", f"{language}_lemma_lookup.json.gz")
        raw = gzip.decompress(data.read_bytes())
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    table: dict[str, str] = {k.lower(): v.lower() for k, v in json.loads(raw).items()}
    if language == "en":
        table.update(_OVERRIDES)
    return table


@dataclass(slots=True)
class LemmaLine:
    """A page read as lemmas, sentence after sentence.

    ``line`` holds every token's lemma followed by one space; sentence ``k`` (a page span
    given when the line was made) occupies ``line[starts[k]:ends[k]]``. Page spans of
    the tokens are worked out only for the sentences where a pattern matched."""

    text: str
    line: str
    sentences: list[tuple[int, int]]
    starts: list[int]
    ends: list[int]
    words: frozenset[str]
    table: dict[str, str]
    _where: dict[str, list[int]] = field(default_factory=dict)
    _tokens: dict[int, tuple[list[int], list[tuple[int, int]]]] = field(default_factory=dict)

    def where(self, lemma: str) -> list[int]:
        """The offsets on the line where ``lemma`` stands (found on first use)."""
        got = self._where.get(lemma)
        if got is None:
            got = []
            line = self.line
            needle = " " + lemma + " "
            if line.startswith(needle[1:]):
                got.append(0)
            i = line.find(needle)
            while i >= 0:
                got.append(i + 1)
                i = line.find(needle, i + 1)
            self._where[lemma] = got
        return got

    def page_span(self, k: int, start: int, end: int) -> tuple[int, int]:
        """The page span of the tokens that the line range ``start:end`` of sentence ``k``
        covers."""
        got = self._tokens.get(k)
        if got is None:
            a, b = self.sentences[k]
            spans = [m.span() for m in _TOKEN.finditer(self.text, a, b)]
            offsets: list[int] = []
            pos = self.starts[k]
            get = self.table.get
            for x, y in spans:
                offsets.append(pos)
                word = self.text[x:y].lower()
                pos += len(get(word, word)) + 1
            got = self._tokens[k] = (offsets, spans)
        offsets, spans = got
        i = max(bisect_right(offsets, start) - 1, 0)
        j = max(i, bisect_left(offsets, end) - 1)
        return spans[i][0], spans[j][1]


def lemma_line(
    text: str, sentences: list[tuple[int, int]] | None = None, language: str = "en"
) -> LemmaLine:
    """The lemma line of ``text``, sentence by sentence (``sentences``: page spans, in
    order; default: the whole text as one)."""
    table = lemma_table(language)
    spans = sentences if sentences is not None else [(0, len(text))]
    get = table.get
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for a, b in spans:
        starts.append(pos)
        words = _TOKEN.findall(text, a, b)
        if words:
            # One lower-casing per sentence; tokens hold no spaces, so the split is exact.
            chunk = " ".join([get(w, w) for w in " ".join(words).lower().split(" ")]) + " "
            parts.append(chunk)
            pos += len(chunk)
        ends.append(pos)
    line = "".join(parts)
    return LemmaLine(text, line, list(spans), starts, ends, frozenset(line.split()), table)
