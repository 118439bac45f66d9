"""Training on one GPU: patches/s, peak memory, and the projected wall time of the method's full recipe
(50 epochs × 30 000 patches of 128²; our goal: under 5 minutes on one H200). The default `TrainConfig()` adds a 1.5×
coarser copy of each pair (`coarser`), 60 000 patches an epoch: twice the projected time at the same step rate.

The loop is the one `train` runs: `PairedPatches` on the GPU (three 2048² pairs), `train_step` with the
default `N2NUNet` and `RestorationLoss`, Adam, bf16 autocast + channels_last as `TrainConfig()` picks them,
timed in the same run against the plain eager fp32 NCHW step (the ratio), for a few batch sizes.
Run: .venv/bin/python benchmarks/gpu_train.py [steps]
"""
import sys, time, numpy as np, torch

if not torch.cuda.is_available():
    print("benchmarks/gpu_train.py: no CUDA GPU visible (torch.cuda.is_available() is False) — nothing to measure; "
          "run it on a machine with a GPU.")
    sys.exit(0)

from lowdose_stem.data import PairedPatches
from lowdose_stem.fast import FastN2NUNet  # what `train` trains: `N2NUNet`, computed faster
from lowdose_stem.losses import RestorationLoss
from lowdose_stem.train import TrainConfig, train_step, run_formats

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
dev = torch.device('cuda')
torch.backends.cudnn.benchmark = True
rng = np.random.default_rng(0)
pairs = [(rng.random((2048, 2048), dtype=np.float32), rng.random((2048, 2048), dtype=np.float32)) for _ in range(3)]
ds = PairedPatches(pairs, patch=128, repeats=10_000, device=dev)
cfg = TrainConfig()
bf16, fmt = run_formats(cfg, dev); cl = fmt == torch.channels_last
PATCHES = 50 * 30_000

def measure(B, bf16, fmt):
    torch.manual_seed(0)
    model = FastN2NUNet().to(dev, memory_format=fmt)
    loss_fn, opt = RestorationLoss(), torch.optim.Adam(model.parameters(), lr=3e-4, betas=(0.9, 0.99))
    g = torch.Generator(device='cpu').manual_seed(0)
    step = lambda: train_step(model, loss_fn, opt, *ds.batch(torch.randint(len(ds), (B,), generator=g)), bf16, fmt)
    for _ in range(5): step()
    torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    for _ in range(steps): step()
    torch.cuda.synchronize()
    rate = steps * B / (time.perf_counter() - t)
    return rate, torch.cuda.max_memory_allocated() / 2**30

print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}; {steps} timed steps; full recipe = {PATCHES:,} patches")
print(f"{'loop':<34} {'batch':>5} {'patches/s':>10} {'peak GiB':>9} {'full recipe':>12} {'× fp32':>7}")
for B in (16, 64, 128):
    base, mem0 = measure(B, False, torch.contiguous_format)
    ours, mem = measure(B, bf16, torch.channels_last if cl else torch.contiguous_format)
    print(f"{'eager fp32 NCHW':<34} {B:>5} {base:>10.0f} {mem0:>9.2f} {PATCHES / base / 60:>10.1f} m {1:>7.2f}")
    print(f"{f'train_step bf16={bf16} CL={cl}':<34} {B:>5} {ours:>10.0f} {mem:>9.2f} {PATCHES / ours / 60:>10.1f} m {ours / base:>7.2f}")
