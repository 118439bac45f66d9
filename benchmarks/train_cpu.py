"""Training throughput on this CPU (issue 6 target: ≥ 1.5× a plain eager fp32 NCHW loop).

Every loop trains the default `N2NUNet` (base 48, depth 5) with `RestorationLoss` and Adam on batches of
16 patches of 128² sampled by `PairedPatches`, each from the same fresh weights, timed in the same run:
- baseline: fp32, NCHW, eager — the textbook loop;
- `train_step` in bf16 NCHW and in fp32 channels_last (each speed-up alone);
- `train_step` with what `TrainConfig(precision='auto', channels_last='auto')` picks here.
The loops' steps are interleaved round by round (each round: the same batch for every loop), so that all of them
meet the same load on a shared machine; the ratio is taken between the best rounds (least disturbed by other
processes), the medians are printed too. The 1-minute load average is printed before and after.
With --cpu-time the loops run on one thread and are timed in process CPU time, which other jobs on a shared
machine disturb least (the 2-thread wall-clock ratio is the target; this one checks it).
Run: .venv/bin/python benchmarks/train_cpu.py [rounds] [--cpu-time]   (default 5 rounds)
"""
import os, sys, time, numpy as np, torch
from lowdose_stem.data import PairedPatches
from lowdose_stem.fast import FastN2NUNet  # what `train` trains: `N2NUNet`, computed faster
from lowdose_stem.losses import RestorationLoss
from lowdose_stem.train import TrainConfig, train_step, run_formats

args = [a for a in sys.argv[1:] if a != '--cpu-time']
rounds, cpu_time = int(args[0]) if args else 5, '--cpu-time' in sys.argv
if cpu_time: torch.set_num_threads(1)
clock = time.process_time if cpu_time else time.perf_counter
rng = np.random.default_rng(0)
ds = PairedPatches([(rng.random((512, 512), dtype=np.float32), rng.random((512, 512), dtype=np.float32))], patch=128, repeats=1000)
B = 16
NCHW, CL = torch.contiguous_format, torch.channels_last

def baseline_step(model, loss_fn, opt, x, y):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward(); opt.step()

def loop(bf16=False, fmt=NCHW, ours=True):
    "A step function (of the batch number) of a fresh model: the baseline loop, or `train_step` with `bf16`/`fmt`."
    torch.manual_seed(0)
    model = FastN2NUNet().to(memory_format=fmt)
    loss_fn, opt = RestorationLoss(), torch.optim.Adam(model.parameters(), lr=3e-4)
    if ours: return lambda i: train_step(model, loss_fn, opt, *ds.batch(range(i * B, (i + 1) * B)), bf16, fmt)
    return lambda i: baseline_step(model, loss_fn, opt, *ds.batch(range(i * B, (i + 1) * B)))

cpu = torch.device('cpu')
cfg = TrainConfig()
bf16, fmt = run_formats(cfg, cpu); cl = fmt == CL
loops = {'plain eager fp32 NCHW (baseline)': loop(ours=False),
         'train_step bf16, NCHW': loop(True, NCHW),
         'train_step fp32, channels_last': loop(False, CL),
         f"train_step 'auto': bf16={bf16}, channels_last={cl}": loop(bf16, CL if cl else NCHW)}
load = lambda: os.getloadavg()[0]
load0 = load()
for f in loops.values(): f(0)  # warm-up
times = {k: [] for k in loops}
for i in range(1, rounds + 1):
    for k, f in loops.items():
        t = clock(); f(i); times[k].append(clock() - t)
best = {k: B / min(v) for k, v in times.items()}
med = {k: B / float(np.median(v)) for k, v in times.items()}
base = next(iter(loops))
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch {B}×128², {rounds} interleaved rounds, {'CPU' if cpu_time else 'wall'} time; "
      f"1-min load {load0:.1f} before, {load():.1f} after")
print(f"{'loop':<50} {'patches/s best':>14} {'ratio':>6} {'patches/s median':>17} {'ratio':>6}")
for k in loops: print(f"{k:<50} {best[k]:>14.2f} {best[k] / best[base]:>6.2f} {med[k]:>17.2f} {med[k] / med[base]:>6.2f}")
r = best[k] / best[base]
print(f"'auto' / baseline (best rounds) = {r:.2f}: target ≥ 1.5× {'PASS' if r >= 1.5 else 'FAIL'}")
