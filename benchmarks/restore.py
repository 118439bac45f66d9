"""Speed and memory of restoring whole images on the CPU, measured as ratios in one run.

1. `restore` of a 2048² image: fast path (bf16 weights, channels_last, fused LeakyReLU, folded upsampling, strips) vs plain fp32 NCHW.
   Target: ≥ 3× faster.
2. Achieved FLOP rate of the fast path vs this machine's bf16 matmul rate, measured in the same run. FLOPs = the
   U-Net's conv FLOPs per pixel (counted from the layers, ≈ 342.7 k) × pixels: "useful" counts the image's pixels,
   "processed" also the reflected margins and tile overlaps the network really computes. Two matmul baselines:
   a large square GEMM (n³): best of 3 calls a round (a burst rate) and back to back for as long as the restore took
   (a sustained rate, under the same clock and neighbours as the restore), and the network's own convolutions as im2col GEMMs (M = pixels, K = 9·C_in, N = C_out,
   one per distinct conv shape, M = 512² rows each) combined with the network's FLOP weights, i.e. the rate the
   network would reach if every conv ran as fast as a plain GEMM of its shape. Target: ≥ 60 %. The fast path executes
   fewer FLOPs than it is credited with (its decoders fold the upsampling into transposed convs): the rate is the one
   a plain implementation would need to match its speed.
3. Peak memory (VmHWM, the peak resident set) of a tiled 4096² restore, in a fresh subprocess run first. Target: < 4 GB.

The machine may be shared: the 1-minute load average is printed before each round; fast, plain and matmul timings
are interleaved round by round and the best of each is kept, so the ratios compare like with like.

usage: .venv/bin/python benchmarks/restore.py [--size 2048] [--big 4096] [--tile 2304] [--rounds 3] [--skip-plain]
"""
import argparse, inspect, os, subprocess, sys, time
import numpy as np, torch
from lowdose_stem.model import N2NUNet
from lowdose_stem.data import Normalizer, ImageNormalizer
from lowdose_stem.restore import RestorationModel, restore, axis_plan

def conv_layers(net):
    "(name, C_in, C_out, pixel fraction) of every 3×3 conv: a conv at pooling level l sees 1/4^l of the pixels."
    out = []
    for name, conv in net.named_children():
        if not isinstance(conv, torch.nn.Conv2d): continue
        level = max(int(name[8:] if name.startswith('enc') else name[8:-1]) - 1, 0)  # enc_conv0/1 and dec_conv1* at full size
        out.append((name, conv.in_channels, conv.out_channels, 1 / 4 ** level))
    return out

def flops_per_pixel(net): return sum(2 * 9 * ci * co * f for _, ci, co, f in conv_layers(net))

def executed_flops_per_pixel(net):
    "FLOPs N2NUNet executes (both paths): each decoder's first conv is a 4-tap transposed conv over the upsampled channels."
    total = 0
    for name, ci, co, f in conv_layers(net):
        if name.startswith('dec_conv') and name.endswith('a'):
            c_skip = net._skip_channels(int(name[8:-1]))
            total += (2 * 4 * (ci - c_skip) * co + 2 * 9 * c_skip * co) * f
        else: total += 2 * 9 * ci * co * f
    return total

def model():
    torch.manual_seed(0)
    return RestorationModel(N2NUNet().eval(), Normalizer(0.0, 1.0), {'fourier_cut': 0.35, 'fourier_taper': 0.05})

def per_image_model(m):
    "The same network as a pretrained model is restored: each image mapped by its own low-passed percentiles, no pre-processing."
    return RestorationModel(m.net, m.normalizer, {'fourier_cut': None}, info=dict(per_image_normalization=ImageNormalizer().to_dict()))

def timed(f, repeats=1):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return min(ts)

def square_gemm(n=2048, dtype=torch.bfloat16):
    "A function timing one n×n×n matmul, and its FLOPs."
    a, b = torch.rand(n, n, dtype=dtype), torch.rand(n, n, dtype=dtype)
    a @ b
    return (lambda: a @ b), 2 * n ** 3

def sustained(f, seconds):
    "Time of one call of `f` when called back to back for about `seconds` (a rate over as long as the restore runs)."
    n, t0 = 0, time.perf_counter()
    while (dt := time.perf_counter() - t0) < seconds: f(); n += 1
    return dt / n

def im2col_gemms(net, m=512 ** 2, dtype=torch.bfloat16):
    "For each distinct conv shape: (time-me function, FLOPs of the GEMM, share of the network's FLOPs)."
    fpp, shapes = flops_per_pixel(net), {}
    for _, ci, co, f in conv_layers(net): shapes[ci, co] = shapes.get((ci, co), 0) + 2 * 9 * ci * co * f / fpp
    out = []
    for (ci, co), share in shapes.items():
        a, b = torch.rand(m, 9 * ci, dtype=dtype), torch.rand(9 * ci, co, dtype=dtype)
        a @ b
        out.append(((lambda a=a, b=b: a @ b), 2 * m * 9 * ci * co, share, (ci, co)))
    return out

def load(): return os.getloadavg()[0]

MEM = """
import sys, numpy as np, torch
sys.path.insert(0, {root!r}); from benchmarks.restore import model
from lowdose_stem.restore import restore
m = model(); img = np.random.default_rng(0).random(({n}, {n}), dtype=np.float32)
def hwm(): return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 2**20  # GB (ru_maxrss survives exec)
base = hwm()
out = restore(img, m, tile={tile}, quiet=True)
print(base, hwm())
"""

def main(size=2048, big=4096, tile=2304, rounds=3, skip_plain=False):
    root = str(__import__('pathlib').Path(__file__).resolve().parents[1])
    res = subprocess.run([sys.executable, '-c', MEM.format(root=root, n=big, tile=tile)], capture_output=True, text=True)
    if res.returncode: sys.exit(res.stderr)
    base_gb, peak_gb = map(float, res.stdout.split())
    m = model(); mp = per_image_model(m)
    fpp = flops_per_pixel(m.net)
    img = np.random.default_rng(0).random((size, size), dtype=np.float32)
    restore(img[:256, :256], m, quiet=True); restore(img[:256, :256], m, quiet=True, fast=False)  # warm-up
    sq, sq_flops = square_gemm()
    gemms = im2col_gemms(m.net)
    best = {}
    def keep(k, t): best[k] = min(best.get(k, float('inf')), t)
    for r in range(rounds):
        print(f"round {r + 1}/{rounds}: load {load():.2f} before", end='', flush=True)
        keep('fast', t_f := timed(lambda: restore(img, m, tile=tile, quiet=True)))
        keep('per_image', timed(lambda: restore(img, mp, tile=tile, quiet=True)))
        keep('square', t_s := timed(sq, 3))
        keep('sustained', sustained(sq, t_f))
        for i, (f, _, _, _) in enumerate(gemms): keep(i, timed(f, 2))
        if not skip_plain: keep('plain', t_p := timed(lambda: restore(img, m, tile=tile, quiet=True, fast=False)))
        print(f", {load():.2f} after: fast {t_f:.2f} s, square matmul {sq_flops / t_s / 1e9:.0f} GFLOP/s"
              + ('' if skip_plain else f", plain {t_p:.2f} s"))
    t_fast, t_plain = best['fast'], best.get('plain')
    sq_rate, sus_rate = sq_flops / best['square'], sq_flops / best['sustained']
    # the network's time if every conv ran at its im2col GEMM's rate: Σ share_l / rate_l, per FLOP
    conv_rate = 1 / sum(share * best[i] / fl for i, (_, fl, share, _) in enumerate(gemms))
    defaults = {k: v.default for k, v in inspect.signature(restore).parameters.items()}
    ov, mg = defaults['overlap'], defaults['margin']
    (th, ys), (tw, xs) = axis_plan(size, tile, ov, mg, 32), axis_plan(size, tile, ov, mg, 32)
    processed = len(ys) * len(xs) * th * tw
    useful_rate, proc_rate = fpp * size * size / t_fast, fpp * processed / t_fast
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, bf16 supported: {torch.ops.mkldnn._is_mkldnn_bf16_supported()}; "
          f"best of {rounds} interleaved rounds")
    print(f"U-Net: {fpp / 1e3:.1f} kFLOP per pixel (executed: {executed_flops_per_pixel(m.net) / 1e3:.1f} k); {size}² image in {len(ys)}×{len(xs)} tiles of {th}×{tw} "
          f"(overlap {ov}, margin {mg}): {processed / size ** 2:.2f}× the image's pixels computed")
    print("im2col GEMM rates (M = 512², bf16), GFLOP/s: " +
          ', '.join(f"{ci}→{co} {fl / best[i] / 1e9:.0f} ({share:.0%})" for i, (_, fl, share, (ci, co)) in enumerate(gemms)))
    row = lambda name, v, tgt='', ok=None: print(f"{name:<54}{v:>14}{tgt:>10}" + ('' if ok is None else f"  {'PASS' if ok else 'FAIL'}"))
    row('fast path (bf16, channels_last, strips), s', f"{t_fast:.2f}")
    row('  a per-image (pretrained) model, s', f"{best['per_image']:.2f}")
    row('  per-image / fast', f"{best['per_image'] / t_fast:.2f}×", '≤ 1.25×', best['per_image'] / t_fast <= 1.25)
    if t_plain:
        row('plain fp32 NCHW, s', f"{t_plain:.2f}")
        row('speed-up fast / plain', f"{t_plain / t_fast:.2f}×", '≥ 3×', t_plain / t_fast >= 3)
    row('bf16 matmul rate, square 2048³, GFLOP/s', f"{sq_rate / 1e9:.0f}")
    row('  the same, sustained as long as a restore, GFLOP/s', f"{sus_rate / 1e9:.0f}")
    row("bf16 matmul rate, the convs' im2col GEMMs, GFLOP/s", f"{conv_rate / 1e9:.0f}")
    row('restore rate, useful (image) pixels, GFLOP/s', f"{useful_rate / 1e9:.0f}")
    row('restore rate, processed (tile) pixels, GFLOP/s', f"{proc_rate / 1e9:.0f}")
    for name, rate in (('square', sq_rate), ('sustained square', sus_rate), ('im2col', conv_rate)):
        row(f'useful rate / {name} matmul rate', f"{useful_rate / rate:.1%}", '≥ 60 %', useful_rate / rate >= 0.6)
        row(f'processed rate / {name} matmul rate', f"{proc_rate / rate:.1%}", '≥ 60 %', proc_rate / rate >= 0.6)
    row(f'peak RSS, tiled {big}² restore (fresh process), GB', f"{peak_gb:.2f}", '< 4 GB', peak_gb < 4)
    row('  of which before restore (torch, model, image), GB', f"{base_gb:.2f}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=2048); p.add_argument('--big', type=int, default=4096)
    p.add_argument('--tile', type=int, default=2304); p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--skip-plain', action='store_true')
    main(**{k.replace('-', '_'): v for k, v in vars(p.parse_args()).items()})
