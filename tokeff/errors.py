"""Exceptions raised by tokeff. Every message says what happened, where, and how to fix it."""

from __future__ import annotations


class TokeffError(Exception):
    """Base class of every error tokeff raises on purpose."""


class UsageError(TokeffError, ValueError):
    """An argument or option is invalid (wrong name, bad value, incompatible options)."""


class CorpusError(TokeffError, ValueError):
    """A corpus cannot be loaded or is not a valid parallel corpus."""


class TokenizerError(TokeffError, ValueError):
    """A tokenizer cannot be loaded or misbehaves.

    ``tokenizer`` names it when known. ``language`` is left for the layer that knows which text
    was being encoded (counting) to fill in; the message then says it.
    """

    tokenizer: str | None = None
    language: str | None = None

    def __str__(self) -> str:
        msg = super().__str__()
        return f"{msg} (while encoding {self.language})" if self.language else msg


class MissingDependencyError(TokeffError, ImportError):
    """An optional dependency (an extra) is needed for what was asked."""

    def __init__(self, what: str, package: str, extra: str | None = None):
        fix = f'pip install "tokeff[{extra}]"' if extra else f"pip install {package}"
        super().__init__(f"{what} needs the package '{package}', which is not installed. Fix: {fix}")
        self.package = package
        self.extra = extra


class SegmenterError(TokeffError, ValueError):
    """A word segmenter is unknown or cannot be used for a language."""


class NotComparableError(TokeffError):
    """Two measurements differ in settings that shape the numbers (see their signatures)."""
