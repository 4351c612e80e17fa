"""Batched beam search versus a one-hypothesis-at-a-time loop, on the chapter's character LM.

Three ways to run the same search (same prompt, same widths, same `max_len`), timed side by side in one run:
  loop    : `beam_search` whose step function calls the model once per live prefix (one hypothesis at a time)
  list    : `beam_search` whose step function makes one model call per step on all live prefixes (lists in Python)
  batched : `beam_search_batched`: prefixes kept in a tensor, one model call and one `topk` per step
Prints the best time of `--repeat` runs and the ratios loop/batched and list/batched. Not run by the tests.
Usage: python bench/bench_beam.py [--widths 4 16 64] [--max-len 40] [--repeat 3] [--threads 1]
"""
import argparse, time
import numpy as np
import torch
from dlnotes.beam import beam_search, beam_search_batched, lm_step_fns, train_char_lm, zen_text


def best_time(fn, repeat):
    "Best wall-clock time of `repeat` calls, and the last result."
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--widths", type=int, nargs="+", default=[4, 16, 64])
    ap.add_argument("--max-len", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: tiny tensors, no oversubscription)")
    ap.add_argument("--prompt", default="Beautiful is ")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    lm, chars, losses = train_char_lm(zen_text(), steps=500, seed=0)
    print(f"char LM (context {lm.context}, {len(chars)} chars) trained in {time.perf_counter() - t0:.1f} s, "
          f"final loss {np.mean(losses[-20:]):.3f}; torch threads {torch.get_num_threads()}")
    step_fn, step_b = lm_step_fns(lm, [chars.index(c) for c in "\n" + args.prompt])
    loop_fn = lambda prefixes: np.concatenate([step_fn([p]) for p in prefixes])
    bos, eos = len(chars), chars.index("\n")
    print(f"prompt {args.prompt!r}, max_len {args.max_len}, best of {args.repeat} runs\n")
    print(f"{'width':>5} {'loop s':>9} {'list s':>9} {'batched s':>10} {'loop/batched':>13} {'list/batched':>13}  best line")
    for k in args.widths:
        tl, a = best_time(lambda: beam_search(loop_fn, k, bos, eos, args.max_len), args.repeat)
        ts, b = best_time(lambda: beam_search(step_fn, k, bos, eos, args.max_len), args.repeat)
        tb, c = best_time(lambda: beam_search_batched(step_b, k, bos, eos, args.max_len), args.repeat)
        # float32 model outputs can differ in the last bits between batch sizes, so compare scores loosely
        assert a[0].tokens == b[0].tokens == c[0].tokens and abs(a[0].score - c[0].score) < 1e-4
        line = "".join(chars[t] for t in c[0].tokens)
        print(f"{k:5d} {tl:9.4f} {ts:9.4f} {tb:10.4f} {tl / tb:13.1f} {ts / tb:13.1f}  {args.prompt + line!r}")


if __name__ == "__main__":
    main()
