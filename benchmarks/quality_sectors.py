"""Where in the fine-detail band a restoration loses the specimen: the band FRC of `quality.py`, split by direction.

The scan's fast axis is x: our acquisition model's streaks (detector lag) and every-other-column lines live along x,
so a model trained on its pairs could learn to change structure that varies along x (on the real
frames it does not: `quality_tta.py` restores them transposed). This script splits each cached
restoration's detail-band correlation with the reference into two sectors of the Fourier plane — near the ky axis
(|kx| < |ky|: structure varying along y, such as horizontal streaks) and near the kx axis (|kx| ≥ |ky|: structure
varying along x) — and gives the reference's band power in each, so that a loss can be told from a real streak the
reference holds. The correlation is the plain complex FRC over the sector's pixels of the band ring (not the
ring-averaged curve of `quality.py`, so compare methods with each other, not with its table).

Run after `quality.py` has cached its restorations:
    .venv/bin/python benchmarks/quality_sectors.py [--methods input,gaussian,ours,ours-summed] [--images streaks,nanoparticles]
"""
from __future__ import annotations
import argparse, sys
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import quality as q  # noqa: E402  (the suite, its registration and `detail_band`)

SECTORS = {'near ky (varies along y)': lambda kx, ky: np.abs(kx) < np.abs(ky),
           'near kx (varies along x)': lambda kx, ky: np.abs(kx) >= np.abs(ky)}


def frequencies(shape: tuple) -> tuple:
    "Frequency coordinates (ky, kx), cycles/px, of each pixel of an fftshifted spectrum of `shape`."
    H, W = shape
    return np.meshgrid((np.arange(H) - H // 2) / H, (np.arange(W) - W // 2) / W, indexing='ij')


def band_sectors(shape: tuple, band: tuple) -> dict:
    "Boolean masks (fftshifted) of the band ring [band[0], band[1]] cycles/px in each of `SECTORS`."
    ky, kx = frequencies(shape)
    ring = (np.hypot(kx, ky) >= band[0]) & (np.hypot(kx, ky) <= band[1])
    return {name: ring & sel(kx, ky) for name, sel in SECTORS.items()}


def spectrum(a: np.ndarray) -> np.ndarray:
    return np.fft.fftshift(np.fft.fft2(a - a.mean()))


def correlation(A: np.ndarray, B: np.ndarray, m: np.ndarray) -> float:
    "The FRC of two spectra over the pixels `m`."
    return float(np.real(np.sum(A[m] * np.conj(B[m]))) / np.sqrt(np.sum(np.abs(A[m]) ** 2) * np.sum(np.abs(B[m]) ** 2)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cache', type=Path, default=HERE / '.cache' / 'suite-bl100')
    ap.add_argument('--methods', default='input,gaussian,ours,ours-summed')
    ap.add_argument('--images', default='streaks,nanoparticles')
    a = ap.parse_args()
    items = {it['name']: it for it in q.validation_items(a.cache)}
    cached = q.cached_restorations(a.cache, a.methods)
    names = list(SECTORS)
    print(f"| image | method | FRC {names[0]} | FRC {names[1]} |\n|---|---|---|---|")
    for name in a.images.split(','):
        it = items[name]
        im0 = it['images'](it['input'])
        band = q.item_band(it)
        ref = im0.get('indep', im0['clean'])  # real frames: the target (independent noise), as quality.py
        masks, R = band_sectors(ref.shape, band), spectrum(ref)
        power = [float(np.sum(np.abs(R[masks[n]]) ** 2)) for n in names]
        print(f"| {name} | *reference's band power, ratio* | {power[0] / power[1]:.2f} | 1 |")
        for m, z in cached.items():
            P = spectrum(it['images'](z[name])['restored'])
            print(f"| {name} | {m} | " + ' | '.join(f"{correlation(P, R, masks[n]):.3f}" for n in names) + ' |')


if __name__ == '__main__':
    main()
