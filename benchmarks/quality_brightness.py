"""Mean brightness: does a restoration keep the specimen's mean intensity?

The scores of `quality.py` match each output's gain and offset to the reference before comparing, so a restoration
that is uniformly too bright or too dark loses nothing there ("PSNR vs ref, no match" shows it only mixed with
everything else). A microscopist who reads intensities (column or particle counts, thickness) needs the mean kept.
For the acquired validation images the clean signal is known in the same units as the registered restoration
(counts per µs above the black level, `metrics.holdout_images`), so the error of the mean is exact:
(mean restored − mean clean) / mean clean, over the same registered region. The real frames have no clean signal and
an unknown black level: their row is the mean against the mean of the five frames, as a fraction of the latter
(black level included, so it understates the error of the signal).

Run after `quality.py` has cached its restorations:
    .venv/bin/python benchmarks/quality_brightness.py [--methods input,gaussian,bm3d,care,tkrem,ours]
"""
from __future__ import annotations
import argparse, sys
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import quality as q  # noqa: E402  (the suite and its registration)


def mean_error(images: dict) -> float:
    "(mean of the restoration − mean of the clean image) / mean of the clean image, over the registered region."
    r, c = (np.asarray(images[k], np.float64) for k in ('restored', 'clean'))
    return float((r.mean() - c.mean()) / c.mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cache', type=Path, default=HERE / '.cache' / 'suite-bl100')
    ap.add_argument('--methods', default='input,gaussian,bm3d,care,tkrem,ours')
    a = ap.parse_args()
    items = q.validation_items(a.cache)
    print("error of the mean brightness, % of the clean signal (nanoparticles: of the 5-frame mean, black level included)\n")
    print('| method | ' + ' | '.join(it['name'] for it in items) + ' |\n|---|' + '---|' * len(items))
    for m, z in q.cached_restorations(a.cache, a.methods).items():
        print(f"| {m} | " + ' | '.join(f"{100 * mean_error(it['images'](z[it['name']])):+.1f}" for it in items) + ' |')


if __name__ == '__main__':
    main()
