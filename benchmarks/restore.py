"""Speed and memory of restoring whole images on the CPU, measured as ratios in one run.

1. `restore` of a 2048² image: fast path (channels_last + bf16 autocast) vs plain fp32 NCHW. Target: ≥ 3× faster.
2. Achieved FLOP rate of the fast path vs this machine's bf16 matmul rate, measured in the same run.
   FLOPs = the U-Net's conv FLOPs per pixel (counted from the layers, ≈ 342 k) × pixels. Two figures: "useful"
   counts the image's pixels only, "processed" also the tile overlaps and margins the network really computes.
   Target: ≥ 60 %.
3. Peak memory (VmHWM, the peak resident set) of a tiled 4096² restore, in a fresh subprocess run first. Target: < 4 GB.

usage: .venv/bin/python benchmarks/restore.py [--size 2048] [--big 4096] [--tile 1280] [--skip-plain]
"""
import argparse, resource, subprocess, sys, time, statistics
import numpy as np, torch
from lowdose_stem.model import N2NUNet
from lowdose_stem.data import Normalizer
from lowdose_stem.restore import RestorationModel, restore, _axis_plan

def flops_per_pixel(net):
    "Multiply-adds × 2 of every 3×3 conv, per input pixel (a conv at pooling level l sees 1/4^l of the pixels)."
    total = 0
    for name, conv in net.named_children():
        if not isinstance(conv, torch.nn.Conv2d): continue
        level = max(int(name[8:] if name.startswith('enc') else name[8:-1]) - 1, 0)  # enc_conv0/1 and dec_conv1* at full size
        total += 2 * 9 * conv.in_channels * conv.out_channels / 4 ** level
    return total

def model():
    torch.manual_seed(0)
    return RestorationModel(N2NUNet().eval(), Normalizer(0.0, 1.0), {'fourier_cut': 0.35, 'fourier_taper': 0.05})

def timed(f, repeats=1):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return min(ts)

def matmul_rate(dtype, n=2048, repeats=5):
    a, b = torch.rand(n, n, dtype=dtype), torch.rand(n, n, dtype=dtype)
    a @ b
    return 2 * n ** 3 / timed(lambda: a @ b, repeats)

MEM = """
import resource, sys, numpy as np, torch
sys.path.insert(0, {root!r}); from benchmarks.restore import model
from lowdose_stem.restore import restore
m = model(); img = np.random.default_rng(0).random(({n}, {n}), dtype=np.float32)
def hwm(): return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 2**20  # GB (ru_maxrss survives exec)
base = hwm()
out = restore(img, m, tile={tile}, quiet=True)
print(base, hwm())
"""

def main(size=2048, big=4096, tile=1280, skip_plain=False):
    root = str(__import__('pathlib').Path(__file__).resolve().parents[1])
    res = subprocess.run([sys.executable, '-c', MEM.format(root=root, n=big, tile=tile)], capture_output=True, text=True)
    if res.returncode: sys.exit(res.stderr)
    base_gb, peak_gb = map(float, res.stdout.split())
    m = model()
    fpp = flops_per_pixel(m.net)
    img = np.random.default_rng(0).random((size, size), dtype=np.float32)
    restore(img[:256, :256], m, quiet=True); restore(img[:256, :256], m, quiet=True, fast=False)  # warm-up
    t_fast = timed(lambda: restore(img, m, tile=tile, quiet=True))
    t_plain = None if skip_plain else timed(lambda: restore(img, m, tile=tile, quiet=True, fast=False))
    rate = matmul_rate(torch.bfloat16)
    (th, ys), (tw, xs) = _axis_plan(size, tile, 128, 32), _axis_plan(size, tile, 128, 32)
    processed = len(ys) * len(xs) * th * tw
    useful_rate, proc_rate = fpp * size * size / t_fast, fpp * processed / t_fast
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, bf16 supported: {torch.ops.mkldnn._is_mkldnn_bf16_supported()}")
    print(f"U-Net: {fpp / 1e3:.1f} kFLOP per pixel; {size}² image in {len(ys)}×{len(xs)} tiles of {th}×{tw} "
          f"(overlap 128): {processed / size ** 2:.2f}× the image's pixels computed")
    print(f"{'measurement':<52}{'value':>14}{'target':>12}")
    print(f"{'fast path (bf16, channels_last), s':<52}{t_fast:>14.2f}")
    if t_plain: print(f"{'plain fp32 NCHW, s':<52}{t_plain:>14.2f}")
    if t_plain: print(f"{'speed-up fast / plain':<52}{t_plain / t_fast:>13.2f}×{'≥ 3×':>12}  {'PASS' if t_plain / t_fast >= 3 else 'FAIL'}")
    print(f"{'bf16 matmul rate (2048³), GFLOP/s':<52}{rate / 1e9:>14.1f}")
    print(f"{'restore rate, useful pixels, GFLOP/s':<52}{useful_rate / 1e9:>14.1f}")
    print(f"{'restore rate, processed pixels, GFLOP/s':<52}{proc_rate / 1e9:>14.1f}")
    print(f"{'useful rate / matmul rate':<52}{useful_rate / rate:>13.1%}{'≥ 60 %':>12}  {'PASS' if useful_rate / rate >= 0.6 else 'FAIL'}")
    print(f"{'processed rate / matmul rate':<52}{proc_rate / rate:>13.1%}{'≥ 60 %':>12}  {'PASS' if proc_rate / rate >= 0.6 else 'FAIL'}")
    print(f"{f'peak RSS, tiled {big}² restore (fresh process), GB':<52}{peak_gb:>14.2f}{'< 4 GB':>12}  {'PASS' if peak_gb < 4 else 'FAIL'}")
    print(f"{'  of which before restore (torch, model, image), GB':<52}{base_gb:>14.2f}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=2048); p.add_argument('--big', type=int, default=4096)
    p.add_argument('--tile', type=int, default=1280); p.add_argument('--skip-plain', action='store_true')
    main(**{k.replace('-', '_'): v for k, v in vars(p.parse_args()).items()})
