"""Training throughput on this CPU (issue 6 target: ≥ 1.5× a plain eager fp32 NCHW loop).

Both loops train the default `N2NUNet` (base 48, depth 5) with `RestorationLoss` and Adam on batches of
16 patches of 128² sampled by `PairedPatches`, timed in the same run:
- baseline: fp32, NCHW, eager — the textbook loop;
- `lowdose_stem.train`: `train_step` with what `TrainConfig(precision='auto', channels_last='auto')` picks here.
Run: .venv/bin/python benchmarks/train_cpu.py [steps]
"""
import sys, time, numpy as np, torch
from lowdose_stem.data import PairedPatches
from lowdose_stem.model import N2NUNet
from lowdose_stem.losses import RestorationLoss
from lowdose_stem.train import TrainConfig, train_step, _use_bf16, _use_channels_last

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
rng = np.random.default_rng(0)
ds = PairedPatches([(rng.random((512, 512), dtype=np.float32), rng.random((512, 512), dtype=np.float32))], patch=128, repeats=1000)
B = 16

def baseline_step(model, loss_fn, opt, x, y):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward(); opt.step()

def loop(bf16, fmt, ours):
    "A step function of a fresh model: the baseline loop, or `train_step` with `bf16`/`fmt`."
    torch.manual_seed(0)
    model = N2NUNet().to(memory_format=fmt)
    loss_fn, opt = RestorationLoss(), torch.optim.Adam(model.parameters(), lr=3e-4)
    if ours: return lambda i: train_step(model, loss_fn, opt, *ds.batch(range(i * B, (i + 1) * B)), bf16, fmt)
    return lambda i: baseline_step(model, loss_fn, opt, *ds.batch(range(i * B, (i + 1) * B)))

def interleaved(a, b):
    "Median step time of `a` and of `b`, their steps alternated so both meet the same load on a shared machine."
    a(0); b(0)  # warm-up
    ta, tb = [], []
    for i in range(1, steps + 1):
        for f, ts in ((a, ta), (b, tb)):
            t = time.perf_counter(); f(i); ts.append(time.perf_counter() - t)
    return float(np.median(ta)), float(np.median(tb))

cpu = torch.device('cpu')
cfg = TrainConfig()
bf16, cl = _use_bf16(cfg, cpu), _use_channels_last(cfg, cpu)
fmt = torch.channels_last if cl else torch.contiguous_format
t_base, t_ours = interleaved(loop(False, torch.contiguous_format, ours=False), loop(bf16, fmt, ours=True))
base, ours = B / t_base, B / t_ours
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch {B}×128², median of {steps} interleaved steps each")
print(f"{'loop':<46} {'patches/s':>10} {'ratio':>7}")
print(f"{'plain eager fp32 NCHW (baseline)':<46} {base:>10.2f} {1:>7.2f}")
print(f"{f'train_step: bf16={bf16}, channels_last={cl}':<46} {ours:>10.2f} {ours / base:>7.2f}")
print(f"target ≥ 1.5×: {'PASS' if ours / base >= 1.5 else 'FAIL'}")
