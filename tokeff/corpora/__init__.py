"""Parallel corpora: the model and its loaders."""

from .inmemory import as_corpus, load_text  # issue 15
from .loaders import (
    CORPORA,
    DEFAULT_CORPUS,
    embedded_dir,
    flores_dir,
    load_corpus,
    load_flores_dir,
    load_jsonl,
    load_path,
    load_table,
    load_txt_dir,
)
from .model import Corpus

__all__ = [
    "CORPORA", "Corpus", "DEFAULT_CORPUS", "embedded_dir", "flores_dir", "load_corpus",
    "load_flores_dir", "load_jsonl", "load_path", "load_table", "load_txt_dir",
    "as_corpus", "load_text",  # issue 15
]
