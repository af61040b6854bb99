"""Counting: corpus x tokenizers -> per-segment integer arrays.

- :mod:`~tokeff.counting.counts`: :class:`Counts`, one tokenizer on one language, and how shards
  concatenate;
- :mod:`~tokeff.counting.kernel`: one block of one language, prepared once (characters, bytes,
  word spans) and encoded by each tokenizer;
- :mod:`~tokeff.counting.runners` / :mod:`~tokeff.counting.dask_runner`: where blocks are counted;
- :mod:`~tokeff.counting.cache`: the on-disk count cache;
- :mod:`~tokeff.counting.blocks` / :mod:`~tokeff.counting.stream`: an in-memory corpus block by
  block, a streamed one chunk by chunk;
- :mod:`~tokeff.counting.plan`: :class:`CountPlan`, the one entry point that puts them together.
"""

from .counts import SEGMENT_FIELDS, Counts, concat_counts, merge_id_freqs
from .kernel import LangText, count, plan_blocks, prepare_text
from .plan import CountPlan, count_all

__all__ = ["SEGMENT_FIELDS", "CountPlan", "Counts", "LangText", "concat_counts", "count",
           "count_all", "merge_id_freqs", "plan_blocks", "prepare_text"]
