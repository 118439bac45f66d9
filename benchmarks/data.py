"""Patch sampling against the training step it feeds (issue 5 target: sampling < 5 % of a step).

Both are timed in this run on the same machine: a batch of 16 windows of 128² gathered by
`PairedPatches.batch` from three 2048² pairs, and one optimiser step of `N2NUNet` (defaults) with
`RestorationLoss` on such a batch (forward, backward, Adam), fp32 NCHW and bf16 + channels_last.
Run: .venv/bin/python benchmarks/data.py
"""
import time, numpy as np, torch
from lowdose_stem.data import PairedPatches
from lowdose_stem.fast import FastN2NUNet  # what `train` trains: `N2NUNet`, computed faster
from lowdose_stem.losses import RestorationLoss

def timed(f, n, warmup=2):
    for _ in range(warmup): f()
    t = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t) / n

torch.manual_seed(0)
rng = np.random.default_rng(0)
pairs = [(rng.random((2048, 2048), dtype=np.float32), rng.random((2048, 2048), dtype=np.float32)) for _ in range(3)]
t0 = time.perf_counter()
ds = PairedPatches(pairs, patch=128, repeats=10_000, augment=('flip_y', 'flip_x'))
t_init = time.perf_counter() - t0
g = torch.Generator().manual_seed(0)
t_batch = timed(lambda: ds.batch(torch.randint(len(ds), (16,), generator=g)), 200)

def step_time(fast:bool):
    "One optimiser step on a sampled batch: fp32 NCHW, or bf16 autocast + channels_last (what training uses here)."
    fmt = torch.channels_last if fast else torch.contiguous_format
    model, loss_fn = FastN2NUNet().to(memory_format=fmt), RestorationLoss()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    x, y = ds.batch(range(16))
    x = x.contiguous(memory_format=fmt)
    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=fast): p = model(x)
        loss_fn(p.float(), y).backward()
        opt.step()
    return timed(step, 3, warmup=1)
t_step, t_fast = step_time(False), step_time(True)

print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
print(f"{'what':<44} {'time':>10}")
print(f"{'PairedPatches init, 3 pairs of 2048²':<44} {t_init:>9.2f}s")
print(f"{'sample a batch of 16×128² (batch())':<44} {1e3 * t_batch:>8.2f}ms")
print(f"{'train step, 16×128², fp32 NCHW':<44} {1e3 * t_step:>8.0f}ms")
print(f"{'train step, 16×128², bf16 + channels_last':<44} {1e3 * t_fast:>8.0f}ms")
for name, t in (('fp32 step', t_step), ('bf16+CL step', t_fast)):
    print(f"sampling / {name:<13} = {100 * t_batch / t:.3f} %  (target < 5 %: {'PASS' if t_batch / t < 0.05 else 'FAIL'})")
