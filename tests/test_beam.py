"""Property tests for dlnotes.beam: greedy / beam / exhaustive search agree where they must, batched == simple."""
import math, subprocess, sys
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck

from dlnotes.beam import (Hypothesis, NGramTable, beam_search, beam_search_batched, exhaustive_search,
                          greedy_search, length_normalized, lm_step_fns, train_char_lm, zen_text)

SETTINGS = dict(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

models = st.builds(lambda V, ctx, temp, seed: NGramTable.random(V, context=ctx, temperature=temp, seed=seed),
                   st.integers(2, 5), st.integers(1, 3), st.sampled_from([0.3, 0.7, 1.0, 2.0]), st.integers(0, 10**6))
alphas = st.sampled_from([0.0, 0.6, 1.0])
styles = st.sampled_from(["gnmt", "simple"])


def rescore(step_fn, bos, tokens):
    "Sum of log-probabilities of `tokens`, one model call per token."
    return sum(float(step_fn([(bos, *tokens[:t])])[0, tokens[t]]) for t in range(len(tokens)))


def key(h, alpha, style): return length_normalized(h.score, len(h.tokens), alpha, style)


@settings(**SETTINGS)
@given(models, st.integers(1, 5), st.integers(0, 1))
def test_width_one_is_greedy(m, max_len, eos):
    test = beam_search(m, 1, m.bos, eos, max_len)
    assert test == [greedy_search(m, m.bos, eos, max_len)]
    assert beam_search_batched(m.batched, 1, m.bos, eos, max_len) == test


@settings(**SETTINGS)
@given(models, st.integers(1, 4), st.integers(1, 6), alphas, styles)
def test_beam_never_beats_exhaustive_and_is_exact_when_wide(m, max_len, k, alpha, style):
    V = m.vocab_size
    exact = exhaustive_search(m, m.bos, 0, max_len, V, length_penalty=alpha, lp_style=style)
    best = beam_search(m, k, m.bos, 0, max_len, length_penalty=alpha, lp_style=style)
    assert key(best[0], alpha, style) <= key(exact[0], alpha, style) + 1e-12
    assert best[0] in exact  # it is one of the candidates, with the same score
    wide = beam_search(m, V ** (max_len - 1), m.bos, 0, max_len, length_penalty=alpha, lp_style=style)
    assert wide[0] == exact[0]


@settings(**SETTINGS)
@given(models, st.integers(1, 5), st.integers(1, 10), alphas, styles)
def test_batched_equals_simple(m, max_len, k, alpha, style):
    a = beam_search(m, k, m.bos, 0, max_len, length_penalty=alpha, lp_style=style)
    b = beam_search_batched(m.batched, k, m.bos, 0, max_len, length_penalty=alpha, lp_style=style)
    assert [h.tokens for h in a] == [h.tokens for h in b]
    np.testing.assert_allclose([h.score for h in a], [h.score for h in b], rtol=0, atol=1e-12)
    assert [h.finished for h in a] == [h.finished for h in b]


@settings(**SETTINGS)
@given(st.integers(2, 5), st.integers(1, 2), st.integers(0, 10**6), st.integers(1, 4), st.integers(1, 8))
def test_zero_probabilities_are_never_chosen(V, ctx, seed, max_len, k):
    # tables with -inf entries (probability 0), every row keeping at least one possible token
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(V + 1,) * ctx + (V,))
    mask = rng.random(z.shape) < 0.4
    mask[..., rng.integers(V)] = False
    z = np.where(mask, -np.inf, z)
    m = NGramTable(z - np.logaddexp.reduce(z, axis=-1, keepdims=True))
    exact = exhaustive_search(m, m.bos, 0, max_len, V)
    for h in beam_search(m, k, m.bos, 0, max_len) + [greedy_search(m, m.bos, 0, max_len)]:
        assert math.isfinite(h.score) and h in exact
    b = beam_search_batched(m.batched, k, m.bos, 0, max_len)
    np.testing.assert_allclose([h.score for h in beam_search(m, k, m.bos, 0, max_len)], [h.score for h in b], atol=1e-12)


@settings(**SETTINGS)
@given(models, st.integers(1, 5), st.integers(1, 8), alphas)
def test_hypotheses_are_consistent(m, max_len, k, alpha):
    hyps = beam_search(m, k, m.bos, 0, max_len, length_penalty=alpha)
    assert 1 <= len(hyps) <= k
    assert len({h.tokens for h in hyps}) == len(hyps)
    keys = [key(h, alpha, "gnmt") for h in hyps]
    assert keys == sorted(keys, reverse=True)
    for h in hyps:
        assert 1 <= len(h.tokens) <= max_len
        assert h.finished == (h.tokens[-1] == 0)
        assert (0 not in h.tokens[:-1])  # EOS only at the end
        assert h.finished or len(h.tokens) == max_len
        assert math.isclose(h.score, rescore(m, m.bos, h.tokens), abs_tol=1e-12)


@settings(**SETTINGS)
@given(models, st.integers(1, 4))
def test_exhaustive_candidates_form_a_distribution(m, max_len):
    # sequences ending in EOS at length <= max_len, plus cut ones of length max_len: their probabilities sum to 1
    every = exhaustive_search(m, m.bos, 0, max_len, m.vocab_size)
    assert math.isclose(sum(math.exp(h.score) for h in every), 1.0, rel_tol=1e-9)


@settings(**SETTINGS)
@given(models, st.integers(1, 4), styles)
def test_best_length_grows_with_alpha(m, max_len, style):
    lengths = [len(exhaustive_search(m, m.bos, 0, max_len, m.vocab_size, length_penalty=a, lp_style=style, n_best=1)[0].tokens)
               for a in (0.0, 0.3, 1.0, 3.0)]
    assert lengths == sorted(lengths)


def test_wider_beam_can_be_worse():
    # the hand-made trap of the notebook: greedy 1/6, width 2 only 0.14
    T = ["</s>", "A", "B", "a1", "a2", "a3", "b1", "b2", "c"]
    rows = {None: {"A": .5, "B": .4, "</s>": .1}, "A": {"a1": 1/3, "a2": 1/3, "a3": 1/3}, "B": {"b1": .5, "b2": .5},
            "b1": {"</s>": .7, "c": .3}, "b2": {"</s>": .7, "c": .3}}
    def step(prefixes):
        out = np.full((len(prefixes), len(T)), -np.inf)
        for i, p in enumerate(prefixes):
            for w, pr in rows.get(T[p[-1]] if len(p) > 1 else None, {"</s>": 1.0}).items(): out[i, T.index(w)] = math.log(pr)
        return out
    s = {k: beam_search(step, k, len(T), 0, 4)[0].score for k in (1, 2, 3)}
    assert math.isclose(math.exp(s[1]), 1 / 6) and math.isclose(math.exp(s[2]), 0.14) and s[3] == s[1]


@pytest.mark.parametrize("call, msg", [
    (lambda m: beam_search(m, 0, m.bos, 0, 3), "beam_width must be an integer >= 1"),
    (lambda m: beam_search(m, True, m.bos, 0, 3), "beam_width must be an integer"),
    (lambda m: beam_search_batched(m.batched, 0, m.bos, 0, 3), "beam_width must be an integer >= 1"),
    (lambda m: greedy_search(m, m.bos, 0, 0), "max_len must be an integer >= 1"),
    (lambda m: beam_search_batched(m.batched, 2, m.bos, 0, -1), "max_len must be an integer >= 1"),
    (lambda m: exhaustive_search(m, m.bos, 0, 0, 3), "max_len must be an integer >= 1"),
    (lambda m: exhaustive_search(m, m.bos, 0, 3, 4), "shape (1, 4)"),
    (lambda m: beam_search(lambda ps: m(ps)[:, :, None], 2, m.bos, 0, 3), "shape (1, vocab_size)"),
    (lambda m: beam_search(lambda ps: m(ps)[:1].repeat(len(ps) + 1, 0), 2, m.bos, 0, 3), "for 1 prefixes"),
    (lambda m: beam_search(lambda ps: np.where(True, np.nan, m(ps)), 2, m.bos, 0, 3), "NaN"),
    (lambda m: beam_search_batched(lambda x: torch.full((len(x), 3), float("nan")), 2, m.bos, 0, 3), "NaN"),
    (lambda m: greedy_search(lambda ps: m(ps) + 1.0, m.bos, 0, 3), "apply log_softmax"),
    (lambda m: beam_search(lambda ps: np.full((len(ps), 3), -np.inf), 2, m.bos, 0, 3), "-inf"),
    (lambda m: beam_search(m, 2, m.bos, 7, 3), "eos=7 is not a token"),
    (lambda m: beam_search(m, 2, m.bos, 0, 3, length_penalty=float("nan")), "length_penalty"),
    (lambda m: exhaustive_search(m, m.bos, 0, 20, 3), "exceeds max_candidates"),
])
def test_bad_input_is_named(call, msg):
    m = NGramTable.random(3, context=1, seed=0)
    with pytest.raises((ValueError, TypeError), match=None) as e:
        call(m)
    assert msg in str(e.value), str(e.value)


@pytest.mark.parametrize("call, exc, msg", [
    (lambda m: length_normalized(-1.0, 0, 1.0), ValueError, "length must be an integer >= 1"),
    (lambda m: length_normalized(-1.0, -2), ValueError, "length must be an integer >= 1"),
    (lambda m: length_normalized(-1.0, 2.5), TypeError, "length must be an integer"),
    (lambda m: length_normalized(None, 2), TypeError, "score must be"),
    (lambda m: length_normalized(-1.0, 2, alpha=-1), ValueError, "alpha must be"),
    (lambda m: exhaustive_search(m, m.bos, 0, 3, 3, n_best=0), ValueError, "n_best must be an integer >= 1"),
    (lambda m: exhaustive_search(m, m.bos, 0, 3, 3, n_best=-1), ValueError, "n_best must be an integer >= 1"),
    (lambda m: exhaustive_search(m, m.bos, 0, 3, 3, n_best=1.0), TypeError, "n_best must be"),
    (lambda m: exhaustive_search(m, m.bos, 0, 3, 0), ValueError, "vocab_size must be"),
    (lambda m: greedy_search(m, -1, 0, 3), ValueError, "bos must be an integer >= 0"),
    (lambda m: greedy_search(m, 99, 0, 3), ValueError, "bos must be this table's BOS id 3"),
    (lambda m: beam_search(m, 2, 7, 0, 3), ValueError, "bos must be this table's BOS id 3"),
    (lambda m: beam_search_batched(m.batched, 2, 99, 0, 3), ValueError, "bos must be this table's BOS id 3"),
    (lambda m: greedy_search(m, m.bos, -1, 3), ValueError, "eos must be an integer >= 0"),
    (lambda m: m([(m.bos, 5)]), ValueError, "prefixes must be token ids in [0, 2] after BOS"),
    (lambda m: m([(m.bos, -1)]), ValueError, "prefixes must be token ids in [0, 2] after BOS"),
    (lambda m: m([(m.bos, 1.5)]), ValueError, "prefixes must be token ids"),
    (lambda m: m.batched(torch.tensor([[m.bos, 3]])), ValueError, "prefixes must be token ids in [0, 2] after BOS"),
    (lambda m: greedy_search(None, m.bos, 0, 3), TypeError, "step_fn must be"),
    (lambda m: m.batched([[m.bos]]), TypeError, "prefixes must be a LongTensor"),
    (lambda m: beam_search(m, 2, m.bos, 0, 3, lp_style="log"), ValueError, "lp_style must be one of"),
    (lambda m: beam_search(m, 2, m.bos, 0, 3, trace=3), TypeError, "trace must be None or a list"),
    (lambda m: NGramTable.random(0), ValueError, "vocab_size must be an integer >= 1"),
    (lambda m: NGramTable.random(3, temperature=0), ValueError, "temperature must be"),
    (lambda m: NGramTable.random(3, seed=-1), ValueError, "seed must be"),
    (lambda m: NGramTable(None), TypeError, "logp must be"),
    (lambda m: greedy_search(lambda ps: None, m.bos, 0, 3), TypeError, "step_fn(prefixes) must be an array of real numbers"),
    (lambda m: beam_search(lambda ps: np.zeros((len(ps), 3), complex), 2, m.bos, 0, 3), TypeError, "step_fn(prefixes) must be"),
    (lambda m: NGramTable(np.zeros((4, 4))), ValueError, "logp must be an array of shape (vocab_size+1,)*context"),
])
def test_bad_values_and_tokens_are_named(call, exc, msg):
    m = NGramTable.random(3, context=1, seed=0)
    with pytest.raises(exc) as e:
        call(m)
    assert type(e.value) is exc and str(e.value).startswith(msg), str(e.value)


def test_n_best():
    m = NGramTable.random(3, context=1, seed=0)
    every = exhaustive_search(m, m.bos, 0, 3, 3)
    assert exhaustive_search(m, m.bos, 0, 3, 3, n_best=1) == every[:1]
    assert exhaustive_search(m, m.bos, 0, 3, 3, n_best=len(every) + 5) == every


@pytest.fixture(scope="module")
def zen_lm():
    torch.set_num_threads(1)
    return train_char_lm(zen_text(), steps=30, seed=3)


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: __import__("dlnotes.beam").beam.char_lm(-1), ValueError, "n_chars must be an integer >= 1"),
    (lambda: __import__("dlnotes.beam").beam.char_lm(0), ValueError, "n_chars must be an integer >= 1"),
    (lambda: __import__("dlnotes.beam").beam.char_lm(5, context=0), ValueError, "context must be"),
    (lambda: __import__("dlnotes.beam").beam.char_lm(5, seed=-1), ValueError, "seed must be"),
    (lambda: __import__("dlnotes.beam").beam.char_lm(2.0), TypeError, "n_chars must be"),
    (lambda: train_char_lm("abc", batch_size=0), ValueError, "batch_size must be an integer >= 1"),
    (lambda: train_char_lm("abc", steps=0), ValueError, "steps must be an integer >= 1"),
    (lambda: train_char_lm("abc", lr=0), ValueError, "lr must be"),
    (lambda: train_char_lm("abc", lr=float("nan")), ValueError, "lr must be"),
    (lambda: train_char_lm("", steps=1), ValueError, "text must be a non-empty string"),
    (lambda: train_char_lm(None, steps=1), TypeError, "text must be a non-empty string"),
])
def test_char_lm_bad_input(call, exc, msg):
    with pytest.raises(exc) as e:
        call()
    assert type(e.value) is exc and str(e.value).startswith(msg), str(e.value)


def test_lm_step_fns_bad_tokens(zen_lm):
    model, chars, _ = zen_lm
    V = len(chars)
    for bad in ([V], [-1], [0, V + 5]):
        with pytest.raises(ValueError, match=rf"^prompt_ids must be token ids in \[0, {V - 1}\]"): lm_step_fns(model, bad)
    with pytest.raises(TypeError, match="^model must be a char_lm"): lm_step_fns(None, [0])
    with pytest.raises(TypeError, match="^prompt_ids must be"): lm_step_fns(model, [[0, 1]])
    step_fn, step_b = lm_step_fns(model, [0, 1])
    with pytest.raises(ValueError, match="^prefixes must be token ids"): step_fn([(V, V + 3)])
    with pytest.raises(ValueError, match="^prefixes must be token ids"): step_b(torch.tensor([[V, -1]]))
    assert step_fn([(V, 0)]).shape == (1, V)
    with pytest.raises(TypeError, match="^prefixes must be a LongTensor"): step_b([[V, 0]])


def test_char_lm_leaves_global_rng_untouched():
    "char_lm and train_char_lm seed their own generators: torch's global state is as before, and seeds still work."
    from dlnotes.beam import char_lm
    torch.manual_seed(1234); expected = torch.rand(3)
    torch.manual_seed(1234)
    a, b = char_lm(5, seed=7), char_lm(5, seed=7)
    train_char_lm("abcabcabd", steps=3, batch_size=4, seed=7)
    assert torch.equal(torch.rand(3), expected)  # the global stream continues as if nothing had run
    for pa, pb in zip(a.parameters(), b.parameters()): assert torch.equal(pa, pb)
    assert not torch.equal(next(char_lm(5, seed=8).parameters()), next(a.parameters()))


def test_char_lm_divergence_is_caught():
    "At a huge learning rate the loss explodes (to ~1e13 while staying finite): DivergenceError naming lr and step."
    from dlnotes.descent import DivergenceError
    with pytest.raises(DivergenceError, match=r"lr=1000000000000\.0") as e:
        train_char_lm(zen_text(), steps=200, lr=1e12, seed=0)
    assert "step" in str(e.value)


def test_char_lm_is_seeded_and_batched_matches_lists():
    text = zen_text()
    m1, chars, l1 = train_char_lm(text, steps=30, seed=3)
    m2, _, l2 = train_char_lm(text, steps=30, seed=3)
    assert l1 == l2 and l1[-1] < l1[0]
    step_fn, step_b = lm_step_fns(m1, [chars.index(c) for c in "\nSimple is "])
    bos, nl = len(chars), chars.index("\n")
    lp = step_fn([(bos,), (bos,)])
    assert lp.shape == (2, len(chars)) and np.allclose(np.exp(lp).sum(1), 1)
    for k in (1, 3):
        a, b = beam_search(step_fn, k, bos, nl, 12), beam_search_batched(step_b, k, bos, nl, 12)
        assert [h.tokens for h in a] == [h.tokens for h in b]
        np.testing.assert_allclose([h.score for h in a], [h.score for h in b], atol=1e-9)


def test_zen_text_is_silent(capsys):
    assert zen_text().startswith("The Zen of Python")
    assert capsys.readouterr().out == ""


def test_import_does_not_import_torch():
    code = "import sys, dlnotes.beam; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# the course notes' example (chapter 10): the table model, the product tie at step 2, and the next step deciding
from dlnotes.beam import TableModel, NOTES_WORDS, NOTES_TABLE, beam_candidates


def test_notes_example_numbers():
    m = TableModel(NOTES_WORDS, NOTES_TABLE)
    np.testing.assert_allclose(np.exp(m([(m.bos,)]))[0], [0.1, 0.1, 0.3, 0.4, 0.1])
    g = greedy_search(m, m.bos, m.eos, 6)
    assert m.text(g) == "moi suis étudiant <eos>" and math.isclose(math.exp(g.score), 0.4 * 0.6 * 0.6)
    trace = []
    b = beam_search(m, 2, m.bos, m.eos, 6, trace=trace)
    assert m.text(b[0]) == "Je suis étudiant <eos>" and math.isclose(math.exp(b[0].score), 0.3 * 0.8 * 0.9)
    kept = [sorted(m.text(t) for t, s, k in step if k) for step in trace]
    assert kept[:2] == [["Je", "moi"], ["Je suis", "moi suis"]]
    s1, s2 = [s for t, s, k in trace[1] if k]
    assert abs(s1 - s2) < 1e-15 and math.isclose(math.exp(s1), 0.24)  # the tie, to rounding
    ex = exhaustive_search(m, m.bos, m.eos, 6, len(NOTES_WORDS))
    assert ex[0] == b[0] and math.isclose(sum(math.exp(h.score) for h in ex), 1.0)
    assert all(m.text(beam_search(m, k, m.bos, m.eos, 6)[0]) == "Je suis étudiant <eos>" for k in range(2, 7))


def test_table_model_checks_its_input():
    for call, exc, match in [(lambda: TableModel([], {}), ValueError, "words must be a non-empty list"),
                             (lambda: TableModel(["<eos>", "<eos>"], {}), ValueError, "distinct"),
                             (lambda: TableModel(None, {}), TypeError, "words must be"),
                             (lambda: TableModel(["<eos>"], []), TypeError, "table must be a dict"),
                             (lambda: TableModel(["<eos>", "a"], {(): {"a": 0.4}}), ValueError, "sum to 1"),
                             (lambda: TableModel(["<eos>", "a"], {("b",): {"a": 1.0}}), ValueError, "words of the vocabulary"),
                             (lambda: TableModel(["<eos>", "a"], {(): {"a": float("nan")}}), ValueError, "must be"),
                             (lambda: TableModel(["<eos>", "a"], {(): {"a": "1"}}), TypeError, "must be"),
                             (lambda: TableModel(["<eos>", "a"], {(): [("a", 1.0)]}), TypeError, "a dict word -> probability")]:
        with pytest.raises(exc, match=match): call()
    m = TableModel(NOTES_WORDS, NOTES_TABLE)
    with pytest.raises(ValueError, match="bos must be this table's BOS id"): m([(0,)])
    with pytest.raises(ValueError, match=r"token ids in \[0, 4\]"): m([(m.bos, 5)])
    assert m.text([2, 4, 1, 0]) == "Je suis étudiant <eos>"


@settings(**SETTINGS)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(0, 10**6))
def test_beam_candidates_rank_every_extension(n, V, seed):
    rng = np.random.default_rng(seed)
    beams = [(tuple(rng.integers(0, V, 2).tolist()), float(-rng.exponential())) for _ in range(n)]
    logp = np.log(rng.dirichlet(np.ones(V), size=n))
    logp[rng.random((n, V)) < 0.2] = -np.inf
    cands = beam_candidates(beams, logp)
    want = sorted(((beams[i][0] + (w,), beams[i][1] + logp[i, w]) for i in range(n) for w in range(V) if logp[i, w] > -np.inf),
                  key=lambda c: -c[1])
    assert [s for _, s in cands] == pytest.approx([s for _, s in want]) and len(cands) == len(want)
    assert sorted(t for t, _ in cands) == sorted(t for t, _ in want)
    with pytest.raises(ValueError, match="one row per beam"): beam_candidates(beams, logp[:0])
    with pytest.raises(TypeError, match="beams must be a list"): beam_candidates(tuple(beams), logp)


def test_hypothesis_is_a_dataclass_that_unpacks():
    h = Hypothesis((1, 2), -0.5, True)
    tokens, score, finished = h
    assert (tokens, score, finished) == ((1, 2), -0.5, True) and h == Hypothesis((1, 2), -0.5, True)
    import dataclasses, pickle
    assert dataclasses.is_dataclass(h) and pickle.loads(pickle.dumps(h)) == h
