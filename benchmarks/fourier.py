"""Fourier pre-processing and resolution diagnostics (issue 4 targets).

- `fourier_filter` on a 2048² float32 image, as a ratio to a bare torch `rfft2` + `irfft2` pair timed in the same
  run (target ≤ 1.5×); numpy's `rfft2` + `irfft2` pair is shown for reference.
- `resolution_cutoff` and `directional_cutoffs` on a batch of 64 patches of 128² on the CPU (target: milliseconds),
  against one `power_spectrum` of the same batch.
Each repeat times the baseline and every candidate back to back (interleaved, so load from other processes hits
all alike); each figure is the best of the repeats, after a warm-up (mask and ring bins are cached per shape, as in
use).
Run: .venv/bin/python benchmarks/fourier.py
"""
import time, numpy as np, torch
from lowdose_stem.fourier import fourier_filter, resolution_cutoff, directional_cutoffs, power_spectrum

def best(fs, n, warmup=2):
    "Best time of each function in `fs`, timed interleaved over `n` rounds."
    for f in fs:
        for _ in range(warmup): f()
    ts = [[] for _ in fs]
    for _ in range(n):
        for f, t in zip(fs, ts):
            t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return [min(t) for t in ts]

rng = np.random.default_rng(0)
img = rng.random((2048, 2048), dtype=np.float32)
t_img = torch.from_numpy(img)
t_pair, t_np, t_filt, t_filt_t = best([lambda: torch.fft.irfft2(torch.fft.rfft2(t_img), s=img.shape),
                                       lambda: np.fft.irfft2(np.fft.rfft2(img), s=img.shape),
                                       lambda: fourier_filter(img), lambda: fourier_filter(t_img)], n=15)

patches = rng.random((64, 128, 128), dtype=np.float32)
t_patches = torch.from_numpy(patches)
t_ps, t_cut, t_cut_t, t_dir = best([lambda: power_spectrum(t_patches), lambda: resolution_cutoff(patches),
                                     lambda: resolution_cutoff(t_patches), lambda: directional_cutoffs(patches)], n=30)

print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, numpy {np.__version__}")
print(f"{'what':58s} {'time':>10s} {'ratio':>8s}")
rows = [("2048²: torch rfft2 + irfft2 (baseline)", t_pair, 1.0),
        ("2048²: numpy rfft2 + irfft2", t_np, t_np / t_pair),
        ("2048²: fourier_filter(ndarray)", t_filt, t_filt / t_pair),
        ("2048²: fourier_filter(tensor)", t_filt_t, t_filt_t / t_pair),
        ("64×128²: power_spectrum (baseline)", t_ps, 1.0),
        ("64×128²: resolution_cutoff(ndarray)", t_cut, t_cut / t_ps),
        ("64×128²: resolution_cutoff(tensor)", t_cut_t, t_cut_t / t_ps),
        ("64×128²: directional_cutoffs(ndarray)", t_dir, t_dir / t_ps)]
for name, t, r in rows: print(f"{name:58s} {1e3 * t:8.1f} ms {r:7.2f}×")
print(f"fourier_filter / FFT pair = {t_filt / t_pair:.2f}× (target ≤ 1.5×): {'pass' if t_filt / t_pair <= 1.5 else 'FAIL'}")
