"""Parallel corpora: the model, the loaders, streaming, and the one spec resolver."""

from .inmemory import as_corpus, load_text  # issue 15
from .loaders import (
    CORPORA,
    DEFAULT_CORPUS,
    embedded_dir,
    flores_dir,
    load_flores_dir,
    load_jsonl,
    load_table,
    load_txt_dir,
)
from .model import Corpus
from .spec import Source, load_corpus, load_path, open_stream, resolve
from .stream import StreamingCorpus

__all__ = [
    "CORPORA",
    "DEFAULT_CORPUS",
    "Corpus",
    "Source",
    "StreamingCorpus",
    "as_corpus",
    "embedded_dir",
    "flores_dir",
    "load_corpus",
    "load_flores_dir",
    "load_jsonl",
    "load_path",
    "load_table",
    "load_text",
    "load_txt_dir",
    "open_stream",
    "resolve",
]
