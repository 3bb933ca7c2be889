import re

import numpy as np
import pytest

from cube_viz.errors import UserError
from cube_viz.sim.corpus import (
    BOUNDARY,
    UNK,
    Vocab,
    bundled_corpus_path,
    encode_prompt,
    load_dataset,
    read_corpus_text,
    tokenize,
)


def test_tokenize_lowercases_and_splits_punctuation():
    assert tokenize("The cat's toy.  A DOG!") == ["the", "cat's", "toy", ".", "a", "dog", "!"]


def test_bundled_corpus_has_the_promised_size_and_structure():
    text = read_corpus_text(None)
    words = {w for w in tokenize(text)}
    assert 150 <= len(words) <= 300
    # agreement: singular subjects take -s verbs, plural ones do not
    singular, plural = r"\b(cat|dog|girl|boy)", r"\b(cats|dogs|girls|boys)"
    for verb in ("sleep", "run", "walk", "eat"):
        assert re.search(rf"{singular} {verb}s\b", text) and re.search(rf"{plural} {verb}\b", text)
        assert not re.search(rf"{singular} {verb}\b", text) and not re.search(rf"{plural} {verb}s\b", text)


def test_vocab_orders_specials_then_frequency():
    v = Vocab.build([["b", "a", "b"], ["c", "b", "a"]], max_size=10)
    assert v.words == [UNK, BOUNDARY, "b", "a", "c"]
    assert v.encode(["a", "zebra"]) == [3, 0]
    assert Vocab.build([["b", "a", "b", "c"]], max_size=3).words == [UNK, BOUNDARY, "b"]


def test_examples_are_padded_windows_and_every_tenth_line_is_held_out():
    text = "\n".join(f"w{i} x y" for i in range(20))
    d = load_dataset(text, context=2, max_vocab=100)
    assert len(d.train_y) == 18 * 3 and len(d.heldout_y) == 2 * 3
    s, x, y = d.vocab.index[BOUNDARY], d.vocab.index["x"], d.vocab.index["y"]
    w0 = d.vocab.index["w0"]
    np.testing.assert_array_equal(d.train_x[:3], [[s, s], [s, w0], [w0, x]])
    np.testing.assert_array_equal(d.train_y[:3], [w0, x, y])


def test_unigram_entropy_matches_counts():
    d = load_dataset("a a b b\n", context=1, max_vocab=10)
    assert d.unigram_entropy == pytest.approx(np.log(2))


def test_prompt_is_left_padded_and_truncated():
    v = Vocab.build([["the", "cat", "sleeps"]], max_size=10)
    s = v.index[BOUNDARY]
    assert encode_prompt(v, "the cat", 3).tolist() == [s, v.index["the"], v.index["cat"]]
    assert encode_prompt(v, "the cat sleeps the cat", 2).tolist() == [v.index["the"], v.index["cat"]]


def test_bundled_corpus_is_found():
    assert bundled_corpus_path().is_file()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not found"),
        ("DIR", "directory"),
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("caf\xe9 latin-1 text".encode("latin-1"), "UTF-8"),
        (b"two words", "too few"),
    ],
)
def test_bad_corpus_files_are_one_line_errors_with_exit_2(tmp_path, run_cli, content, message):
    path = tmp_path / "corpus.txt"
    if content == "DIR":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    code, _out, err = run_cli("train", "--corpus", path, "--steps", "1")
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_read_corpus_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_corpus_text(tmp_path / "missing.txt")


def test_any_utf8_text_file_trains(tmp_path, run_cli):
    path = tmp_path / "story.txt"
    path.write_text("Über den Wolken scheint die Sonne. Die Sonne scheint über uns.\n" * 3, encoding="utf-8")
    code, out, err = run_cli("train", "--corpus", path, "--steps", "5")
    assert code == 0, err
    assert "unigram entropy" in out
