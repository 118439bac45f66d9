"""Borrowed structure: does a restoration draw one training specimen's lattice into another specimen?

The suite trains one model on all its areas at once, and one of them (`srtio3`) is an atomic lattice. A model that
cannot tell from a noisy input which specimen it sees may paint the lattice it learned wherever the input is
ambiguous — structure that is in neither the target nor the reference, and that no score against a smooth reference
punishes much. This script finds the lattice's strongest reflections in `srtio3`'s clean reference (in cycles/px:
the network works in pixels, and the suite's atomic-resolution images share nearly one pixel size) and measures, in
every cached restoration of every validation image, the power at those frequencies (the largest within ±1 px of
each) over the median power of the same ring: about 1–5 where an image holds no such lattice (a single spectrum's
spread), far more where it does. Reflections on or near the axes are left out: there the real images' own streaks and
our acquisition's scan lines put power of their own.

Run after `quality.py` has cached its restorations:
    .venv/bin/python benchmarks/quality_lattice.py [--methods input,gaussian,bm3d,care,tkrem,ours] [--lattice srtio3]
"""
from __future__ import annotations
import argparse, sys
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import quality as q  # noqa: E402  (the suite and its registration)
import quality_sectors as qs  # noqa: E402  (the frequency grid)


def power(a: np.ndarray) -> np.ndarray:
    "The fftshifted power spectrum of `a` under a Hann window (no leakage from the image's edges)."
    w = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))
    return np.fft.fftshift(np.abs(np.fft.fft2((a - a.mean()) * w)) ** 2)


def reflections(clean: np.ndarray, n: int = 2, f_min: float = 0.02, off_axis: int = 3) -> list:
    "The `n` strongest frequencies (ky, kx), cycles/px, of `clean` above `f_min` and `off_axis` px from both axes, one of each ± pair."
    P = power(clean)
    ky, kx = qs.frequencies(P.shape)
    r = np.hypot(kx, ky)
    away = (np.abs(ky) * P.shape[0] > off_axis) & (np.abs(kx) * P.shape[1] > off_axis)  # the axes hold streaks and scan lines
    P = np.where((r > f_min) & away & (ky > 0), P, 0)
    out = []
    for i in np.argsort(P.ravel())[::-1]:
        f = (float(ky.flat[i]), float(kx.flat[i]))
        if all(np.hypot(f[0] - g[0], f[1] - g[1]) > 2 / P.shape[0] for g in out): out.append(f)
        if len(out) == n: break
    return out


def peak_ratio(P: np.ndarray, f: tuple) -> float:
    "Power of the spectrum `P` (`power`) at frequency `f` (the largest within ±1 px) over the median power of its ring (±1.5 px)."
    ky, kx = qs.frequencies(P.shape)
    near = (np.abs(ky - f[0]) * P.shape[0] <= 1) & (np.abs(kx - f[1]) * P.shape[1] <= 1)
    ring = np.abs(np.hypot(kx, ky) - np.hypot(*f)) * P.shape[0] <= 1.5
    return float(P[near].max() / np.median(P[ring]))


def lattice_score(a: np.ndarray, refl: list) -> float:
    "The mean `peak_ratio` of `a` over the reflections `refl`."
    P = power(a)
    return float(np.mean([peak_ratio(P, f) for f in refl]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cache', type=Path, default=HERE / '.cache' / 'suite-bl100')
    ap.add_argument('--methods', default='input,gaussian,bm3d,care,tkrem,ours')
    ap.add_argument('--lattice', default='srtio3', help="the validation image whose lattice is looked for in the others")
    a = ap.parse_args()
    items = {it['name']: it for it in q.validation_items(a.cache)}
    src = items[a.lattice]
    refl = reflections(src['images'](src['input'])['clean'])
    cached = q.cached_restorations(a.cache, a.methods)
    print(f"{a.lattice}'s reflections (ky, kx), cycles/px: " + ', '.join(f"({y:+.3f}, {x:+.3f})" for y, x in refl))
    print(f"\nmean over them of power / median power of the ring\n\n| method | " + ' | '.join(items) + ' |\n|---|' + '---|' * len(items))
    for m, z in cached.items():
        print(f"| {m} | " + ' | '.join(f"{lattice_score(items[n]['images'](z[n])['restored'], refl):.1f}" for n in items) + ' |')
    print("| *reference* | " + ' | '.join(f"{lattice_score(items[n]['images'](items[n]['input'])['clean'], refl):.1f}" for n in items) + ' |')

if __name__ == '__main__':
    main()
