"""Mixed-script text: split each text into script runs, segment each run with the right segmenter.

Chinese with English words or numbers inside, Japanese with Latin product names, Thai with
digits: a dictionary segmenter for Han or Thai has no business deciding where ``COVID-19`` or
``3.5`` end, and doing so differently per segmenter would make the same Latin text count as a
different number of words in every language. :class:`ScriptRunSegmenter` therefore sends only the
runs of its target scripts to the dictionary segmenter and everything else to ``unicode-words``,
the segmenter of the space-delimited languages, so Latin words and numbers count alike
everywhere.

Which characters belong to a run of the target scripts (``regex`` Unicode properties):

- a character whose Script is a target script (letters, marks, and the script's own digits and
  punctuation, e.g. Burmese ``၎``, Khmer ``។``);
- a letter or mark whose Script_Extensions include a target script (the prolonged sound mark
  ``ー``, combining kana voicing marks);
- an Inherited character (combining mark, ZWJ, ZWNJ, variation selector) takes the side of the
  character before it;
- spaces and tabs between two target characters of the same text stay inside the run, so a
  Korean or Thai sentence reaches its segmenter whole rather than phrase by phrase (the inner
  segmenter never makes a word of whitespace).

Everything else (Latin, digits other than the target script's, shared CJK punctuation such as
``、。「」，``, symbols, emoji, newlines) is segmented by ``unicode-words``. The signature records
the target scripts and the segmenter of the rest, e.g.
``sudachi-0.7.0+dict=core-20261015,mode=A,runs=Hani.Hira.Kana,other=unicode-words-1``.
"""

from __future__ import annotations

import functools
import itertools
import threading
import unicodedata
from collections.abc import Sequence

import numpy as np

from ..tokenizers.base import char_to_byte_offsets
from ._util import arrays_to_char_spans
from .base import Segmenter, WordArrays

OTHER, TARGET, ATTACH = 0, 1, 2
_WS = {" ", "\t", "\u00a0", "\u3000"}  # horizontal whitespace that may stay inside a run


@functools.cache
def _patterns(scripts: tuple[str, ...]) -> tuple:
    """(script, script extensions, inherited) patterns, compiled on first use: importing
    ``regex`` and compiling cost ~20 ms, and a segmenter may be made only for its signature
    (a run answered by the count cache segments nothing)."""
    import regex

    alts = "".join(rf"\p{{sc={s}}}" for s in scripts)
    return (regex.compile(f"[{alts}]"),
            regex.compile("[" + "".join(rf"\p{{scx={s}}}" for s in scripts) + "]"),
            regex.compile(r"\p{sc=Inherited}"))


class ScriptRunSegmenter(Segmenter):
    """Runs of ``scripts`` (ISO 15924 codes, e.g. ``("Hani", "Hira", "Kana")``) go to ``inner``,
    the rest to ``other`` (``unicode-words`` by default).

    ``max_run_chars`` bounds what one call of the inner segmenter sees (Sudachi refuses input over
    49,149 bytes): longer runs, which only occur when whole documents are segmented, are cut at
    their last whitespace before the bound, else at the bound.

    >>> from tokeff.segmenters import get_segmenter
    >>> get_segmenter("jieba").words("我用iPhone 15拍了3.5张照片。")  # doctest: +SKIP
    ['我用', 'iPhone', '15', '拍', '了', '3', '.', '5', '张', '照片', '。']
    """

    def __init__(self, inner: Segmenter, scripts: Sequence[str], other: Segmenter | None = None,
                 *, max_run_chars: int = 4096):
        if other is None:
            from .unicode_words import UnicodeWordSegmenter

            other = UnicodeWordSegmenter()
        self.inner = inner
        self.other = other
        self.scripts = tuple(scripts)
        self.max_run_chars = max_run_chars
        self.name = inner.name
        self.version = inner.version
        parts = [inner.settings, f"runs={'.'.join(self.scripts)}", f"other={other.signature}"]
        self.settings = ",".join(p for p in parts if p)
        self._lock = threading.Lock()  # backends (Sudachi, MeCab) are not safe across threads

    # The wrapper itself loads nothing: its signature is the inner segmenter's (read without
    # loading it), and the inner segmenter loads its model on its first batch.
    @property
    def loaded(self) -> bool:
        """True once the inner segmenter has loaded its model or dictionary."""
        return self.inner.loaded

    def ensure_loaded(self) -> None:
        """Load the inner segmenter's model now (it is otherwise loaded on first use)."""
        self.inner.ensure_loaded()

    def _classify(self, ch: str) -> int:
        sc, scx, inherited = _patterns(self.scripts)
        cat = unicodedata.category(ch)
        if ch in _WS:
            return OTHER
        if sc.match(ch) and cat[0] not in "ZC":
            return TARGET
        if scx.match(ch) and cat[0] in "LM":
            return TARGET
        if inherited.match(ch):
            return ATTACH
        return OTHER

    def runs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Target-script runs of the texts: (global char starts, ends, text index).

        Global char offsets index ``"".join(texts)``.
        """
        texts = list(texts)
        joined = "".join(texts)
        n = len(joined)
        if not n:
            z = np.zeros(0, dtype=np.int64)
            return z, z.copy(), z.copy()
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        uniq, inv = np.unique(cps, return_inverse=True)
        table = np.fromiter((self._classify(chr(int(u))) for u in uniq), dtype=np.int8,
                            count=len(uniq))
        ws_table = np.fromiter((chr(int(u)) in _WS for u in uniq), dtype=bool, count=len(uniq))
        inv = inv.reshape(-1)
        cls = table[inv]
        ws = ws_table[inv]
        nchars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        char_base = np.cumsum(nchars) - nchars
        text_of = np.repeat(np.arange(len(texts)), nchars)
        first = np.zeros(n, dtype=bool)
        first[char_base[nchars > 0]] = True
        cls[first & (cls == ATTACH)] = OTHER
        # An inherited character takes the class of the last non-inherited one before it (never
        # across texts: a text's first character is not ATTACH any more).
        idx = np.arange(n)
        last = np.maximum.accumulate(np.where(cls != ATTACH, idx, 0))
        cls = cls[last]
        is_t = cls == TARGET
        # Whitespace between two target characters of the same text stays in the run.
        if ws.any():
            anchor = ~ws
            prev = np.maximum.accumulate(np.where(anchor, idx, -1))
            nxt = np.minimum.accumulate(np.where(anchor, idx, n)[::-1])[::-1]
            ok = ws & (prev >= 0) & (nxt < n)
            p = np.clip(prev, 0, n - 1)
            q = np.clip(nxt, 0, n - 1)
            ok &= is_t[p] & is_t[q] & (text_of[p] == text_of[q])
            is_t = is_t | ok
        start_mask = is_t.copy()
        start_mask[1:] &= ~is_t[:-1] | first[1:]
        end_mask = is_t.copy()
        end_mask[:-1] &= ~is_t[1:] | first[1:]
        starts = np.flatnonzero(start_mask)
        ends = np.flatnonzero(end_mask) + 1
        if len(starts) and int((ends - starts).max()) > self.max_run_chars:
            starts, ends = self._cut_long(joined, starts, ends)
        seg = np.searchsorted(char_base, starts, side="right") - 1
        return starts.astype(np.int64), ends.astype(np.int64), seg.astype(np.int64)

    def _cut_long(self, joined: str, starts: np.ndarray,
                  ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out_s: list[int] = []
        out_e: list[int] = []
        lim = self.max_run_chars
        for s, e in zip(starts.tolist(), ends.tolist()):
            while e - s > lim:
                window = joined[s:s + lim]
                cut = max(window.rfind(c) for c in _WS)
                cut = s + cut + 1 if cut > 0 else s + lim
                out_s.append(s)
                out_e.append(cut)
                s = cut
            out_s.append(s)
            out_e.append(e)
        return np.array(out_s, dtype=np.int64), np.array(out_e, dtype=np.int64)

    def segment_batch(self, texts: Sequence[str]) -> WordArrays:
        texts = list(texts)
        n_texts = len(texts)
        joined = "".join(texts)
        if not joined:
            z = np.zeros(0, dtype=np.int64)
            return WordArrays(counts=np.zeros(n_texts, dtype=np.int64), starts=z, ends=z.copy())
        r_start, r_end, _ = self.runs(texts)
        # The rest: the texts with every run blanked out (same length in code points), so the
        # other segmenter sees Latin words and numbers exactly where they are.
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).copy()
        if len(r_start):
            delta = np.zeros(len(cps) + 1, dtype=np.int64)
            np.add.at(delta, r_start, 1)
            np.add.at(delta, r_end, -1)
            cps[np.cumsum(delta[:-1]) > 0] = 0x20
        masked_joined = cps.tobytes().decode("utf-32-le")
        nchars = np.fromiter(map(len, texts), dtype=np.int64, count=n_texts)
        bounds = np.concatenate([[0], np.cumsum(nchars)]).tolist()
        masked = [masked_joined[a:b] for a, b in itertools.pairwise(bounds)]
        o_start, o_end = arrays_to_char_spans(masked, self.other.segment_batch(masked))
        if len(r_start):
            run_texts = [joined[a:b] for a, b in zip(r_start.tolist(), r_end.tolist())]
            with self._lock:
                iw = self.inner.segment_batch(run_texts)
            i_start, i_end = arrays_to_char_spans(run_texts, iw)
            run_of = np.repeat(np.arange(len(run_texts)), iw.counts)
            run_nchars = r_end - r_start
            run_base = np.cumsum(run_nchars) - run_nchars
            # arrays_to_char_spans gives offsets into "".join(run_texts); map them back.
            i_start = i_start - run_base[run_of] + r_start[run_of]
            i_end = i_end - run_base[run_of] + r_start[run_of]
            starts = np.concatenate([o_start, i_start])
            ends = np.concatenate([o_end, i_end])
        else:
            starts, ends = o_start, o_end
        order = np.argsort(starts, kind="stable")
        starts = starts[order]
        ends = ends[order]
        c2b, char_base, byte_base = char_to_byte_offsets(texts)
        seg = np.searchsorted(char_base, starts, side="right") - 1
        counts = np.bincount(seg, minlength=n_texts).astype(np.int64)
        return WordArrays(counts=counts, starts=c2b[starts] - byte_base[seg],
                          ends=c2b[ends] - byte_base[seg])
