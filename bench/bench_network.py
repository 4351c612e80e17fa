"""Training throughput of dlnotes.training.fit against torch (CPU) and a per-example backprop loop like Nielsen's network.py.

One epoch of `fit` on MNIST-shaped random data (n examples, 784 inputs, 10 classes), Nielsen's network
(sigmoid hidden and output layers, quadratic cost, SGD) at 784-30-10 and 784-100-10, batch sizes 10 and 100,
float32 everywhere, all three implementations started from the same weights and visiting the examples in the
same order. Every implementation does the same work: the mini-batch updates of one epoch, and the epoch's
training cost as the running mean of the mini-batch costs (what `fit` records by default; torch users sum
`loss.item()`). The torch twin is built from our network by `dlnotes.network.to_torch`.

    python bench/bench_network.py [--n 10000] [--repeats 3] [--threads 1]

Prints the seconds per epoch (best of --repeats, the implementations interleaved), samples/s, and the ratios ours/torch and loop/ours.
Times are this process's CPU time by default (`--clock cpu`, time.process_time): on a machine shared with other
work, time spent waiting for a core is not charged to whichever implementation happened to be running; with one
BLAS/torch thread the two clocks agree on a quiet machine (`--clock wall` for elapsed time).
Targets (784-30-10): loop/ours >= 7 and ours/torch <= 0.6 at batch 10; >= 15 and <= 0.7 at batch 100.
"""
import argparse, os, platform, time

import numpy as np

CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]  # set from --clock in main()


def make_net(sizes, W, b):
    "Our float32 sigmoid network with the given weights."
    from dlnotes.network import MLP
    net = MLP(sizes, "sigmoid", output="sigmoid", dtype=np.float32, seed=0)
    for lin, w, bb in zip(net.layers[::2], W, b): lin.weight.data[...] = w; lin.bias.data[...] = bb
    return net


def ours_epoch(sizes, W, b, X, y, B, lr, seed):
    from dlnotes.training import fit
    from dlnotes.losses import QuadraticCost
    from dlnotes.descent import SGD
    net = make_net(sizes, W, b)
    start = clock()
    h = fit(net, QuadraticCost(), SGD(net.parameters(), lr=lr), X, y, epochs=1, batch_size=B, seed=seed,
            progress=False, metrics=("loss",))
    secs = clock() - start
    return secs, h["train_loss"][-1], [l.weight.data for l in net.layers[::2]]


def torch_epoch(sizes, W, b, X, y, B, lr, seed):
    import torch
    from dlnotes.network import to_torch
    net = to_torch(make_net(sizes, W, b))
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    def cost(a, t): return 0.5 * ((a - t) ** 2).sum() / len(a)
    start = clock()
    Xt, Yt = torch.from_numpy(X), torch.nn.functional.one_hot(torch.from_numpy(y), sizes[-1]).float()
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(X)))
    Xs, Ys = Xt[order], Yt[order]
    total = 0.0
    for i in range(0, len(X), B):
        opt.zero_grad()
        loss = cost(net(Xs[i:i + B]), Ys[i:i + B])
        loss.backward()
        opt.step()
        total += loss.item() * len(Xs[i:i + B])
    loss = total / len(X)
    secs = clock() - start
    return secs, loss, [l.weight.detach().numpy() for l in net[::2]]


def loop_epoch(sizes, W, b, X, y, B, lr, seed):
    "Nielsen's network.py: backprop one example at a time (column vectors), gradients summed per mini-batch."
    sig = lambda z: 1 / (1 + np.exp(-z))
    W, b = [w.copy() for w in W], [bb.copy()[:, None] for bb in b]
    start = clock()
    Y = np.eye(sizes[-1], dtype=np.float32)[y]
    order = np.random.default_rng(seed).permutation(len(X))
    total = 0.0
    for i in range(0, len(X), B):
        idx = order[i:i + B]
        nw, nb = [np.zeros_like(w) for w in W], [np.zeros_like(bb) for bb in b]
        for k in idx:
            a, acts, zs = X[k][:, None], [X[k][:, None]], []
            for w, bb in zip(W, b):
                z = w @ a + bb; zs.append(z); a = sig(z); acts.append(a)
            total += 0.5 * float(((acts[-1] - Y[k][:, None]) ** 2).sum())                # running cost
            delta = (acts[-1] - Y[k][:, None]) * sig(zs[-1]) * (1 - sig(zs[-1]))          # BP1
            nb[-1] += delta; nw[-1] += delta @ acts[-2].T                                   # BP3, BP4
            for l in range(2, len(sizes)):
                s = sig(zs[-l]); delta = (W[-l + 1].T @ delta) * s * (1 - s)               # BP2
                nb[-l] += delta; nw[-l] += delta @ acts[-l - 1].T
        m = len(idx)
        W = [w - (lr / m) * g for w, g in zip(W, nw)]
        b = [bb - (lr / m) * g for bb, g in zip(b, nb)]
    loss = total / len(X)
    secs = clock() - start
    return secs, loss, W


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="training examples per epoch")
    ap.add_argument("--repeats", type=int, default=5, help="epochs timed per implementation (best is reported)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS/torch threads for both (1: fair and fastest for small matrices)")
    ap.add_argument("--loop-n", type=int, default=2000, help="examples for the (slow) per-example loop; its time is scaled to --n")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                    help="cpu: this process's CPU time (steady on a shared machine); wall: elapsed time")
    args = ap.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    np.seterr(over="ignore")  # exp overflow in the loop's plain sigmoid is harmless (gives 0 or 1)
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads, user_api="blas")
    rng = np.random.default_rng(0)
    X = rng.random((args.n, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.n)
    lr = 3.0
    print(f"# dlnotes training throughput (fit): one epoch of {args.n} MNIST-shaped examples (float32, sigmoid + quadratic cost, SGD lr={lr})")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, threads={args.threads}, numpy {np.__version__}, torch {torch.__version__}; best of {args.repeats}, {args.clock} time")
    # the per-example loop and ours compute the same updates: same weights after an epoch on 300 examples
    for B in (10, 100):
        r = np.random.default_rng(2)
        W = [(r.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32) for i, o in ((784, 30), (30, 10))]
        b = [r.standard_normal(o).astype(np.float32) for o in (30, 10)]
        wo, wl = ours_epoch([784, 30, 10], W, b, X[:300], y[:300], B, lr, 3)[2], loop_epoch([784, 30, 10], W, b, X[:300], y[:300], B, lr, 3)[2]
        d = max(float(np.max(np.abs(a - c))) for a, c in zip(wo, wl))
        assert d < 1e-3, f"per-example loop and dlnotes disagree at batch {B}: max weight difference {d:.1e}"
    print(f"{'network':>10} {'batch':>5} | {'ours s':>7} {'torch s':>7} {'loop s*':>7} | {'ours/s':>8} {'torch/s':>8} {'loop/s':>8} | {'ours/torch':>10} {'loop/ours':>9} | check")
    for sizes in ([784, 30, 10], [784, 100, 10]):
        r = np.random.default_rng(1)
        W = [(r.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32) for i, o in zip(sizes[:-1], sizes[1:])]
        b = [r.standard_normal(o).astype(np.float32) for o in sizes[1:]]
        for B in (10, 100):
            impls = (("ours", ours_epoch, args.n), ("torch", torch_epoch, args.n), ("loop", loop_epoch, args.loop_n))
            runs = {name: [] for name, _, _ in impls}
            for _ in range(args.repeats):  # interleaved, so that a busy moment of the machine hits all three alike
                for name, f, n in impls: runs[name].append(f(sizes, W, b, X[:n], y[:n], B, lr, seed=7))
            res = {name: (min(r_[0] for r_ in runs[name]) * args.n / n, runs[name][0][1], runs[name][0][2]) for name, _, n in impls}
            # same init + same order: ours and torch end at the same weights (float32 rounding apart)
            dw = max(float(np.max(np.abs(a - t))) for a, t in zip(res["ours"][2], res["torch"][2]))
            dl = abs(res["ours"][1] - res["torch"][1])
            ok = "ok" if dw < 1e-3 and dl < 1e-4 else f"MISMATCH dw={dw:.1e} dloss={dl:.1e}"
            t_o, t_t, t_l = res["ours"][0], res["torch"][0], res["loop"][0]
            print(f"{'-'.join(map(str, sizes)):>10} {B:>5} | {t_o:7.3f} {t_t:7.3f} {t_l:7.3f} | {args.n / t_o:8.0f} {args.n / t_t:8.0f} {args.n / t_l:8.0f} |"
                  f" {t_o / t_t:10.2f} {t_l / t_o:9.1f} | {ok}")
    print(f"# * the per-example loop runs on the first {args.loop_n} examples; its time is scaled to {args.n}.")
    print("# targets (784-30-10): batch 10: loop/ours >= 7, ours/torch <= 0.6; batch 100: loop/ours >= 15, ours/torch <= 0.7")


if __name__ == "__main__":
    main()
