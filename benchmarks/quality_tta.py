"""Test-time ensembles of a trained `quality.py` model: the validation inputs restored as scanned and flipped or
transposed, each restoration turned back and the members averaged, scored as `quality.py` scores (PSNR/SSIM against
the reference after its intensity match, FRC in the detail band), with the detail band split by direction
(`quality_sectors.py`).

The ensembles are `restore(..., ensemble=...)`'s. A flip along y keeps the scan's geometry (training augments with it: `TrainConfig.augment`); a flip along x reverses
the direction of the detector lag; a transpose turns the fast axis to y, which the network never saw in training.

Run after `quality.py` has trained and cached `ours` (or `--run` names another run folder):
    .venv/bin/python benchmarks/quality_tta.py [--run RUN_DIR]
"""
from __future__ import annotations
import argparse, sys
from dataclasses import is_dataclass, replace
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import quality as q  # noqa: E402
import quality_sectors as qs  # noqa: E402

ENSEMBLES = {'as scanned': (), 'as scanned + transpose': ('transpose',), 'as scanned + flip y': ('flip_y',),
             'as scanned + flip x': ('flip_x',), 'as scanned + flip y + flip x + transpose': ('flip_y', 'flip_x', 'transpose')}


def turned(x, turn: str):
    "The input (a `StemImage` or an array) turned by `restore.ENSEMBLE_TURNS[turn]`."
    from lowdose_stem.restore import ENSEMBLE_TURNS
    f = ENSEMBLE_TURNS[turn]
    return replace(x, data=np.ascontiguousarray(f(x.data))) if is_dataclass(x) else np.ascontiguousarray(f(x))


def restorations(x, model) -> dict:
    "Each ensemble's restoration of `x` (`restore(..., ensemble=)`), and the transposed image's alone, turned back."
    from lowdose_stem.restore import restore, ENSEMBLE_TURNS
    plain = lambda r: np.asarray(getattr(r, 'data', r))
    out = {name: plain(restore(x, model, quiet=True, ensemble=turns)) for name, turns in ENSEMBLES.items()}
    out['transposed only'] = np.ascontiguousarray(ENSEMBLE_TURNS['transpose'](plain(restore(turned(x, 'transpose'), model, quiet=True))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cache', type=Path, default=HERE / '.cache' / 'suite-bl100')
    ap.add_argument('--run', type=Path, help="a training run folder (default: the latest run of `ours` in the cache)")
    a = ap.parse_args()
    from lowdose_stem.restore import load_model
    run = a.run or sorted((a.cache / 'work' / 'runs' / 'ours').glob('*'))[-1]
    model = load_model(run / 'best.pt')
    print(f"run: {run}\n\n| ensemble | image | PSNR vs ref | SSIM vs ref | FRC in detail band | FRC near ky | FRC near kx |\n"
          "|---|---|---|---|---|---|---|")
    means = {}
    for it in q.validation_items(a.cache):
        x = q.restore_input(it)
        im0 = it['images'](it['input'])
        band = q.item_band(it)
        ref = im0.get('indep', im0['clean'])
        masks, R = qs.band_sectors(ref.shape, band), qs.spectrum(ref)
        for name, r in restorations(x, model).items():
            im = it['images'](r)
            s = q.score(im, it['px'], band)
            P = qs.spectrum(im['restored'])
            row = [s['psnr_c'], s['ssim_c'], s['frc_band'], *(qs.correlation(P, R, masks[n]) for n in qs.SECTORS)]
            means.setdefault(name, []).append(row)
            print(f"| {name} | {it['name']} | " + ' | '.join(f"{v:.3f}" if i else f"{v:.2f}" for i, v in enumerate(row)) + ' |')
    for name, rows in means.items():
        m = np.mean(rows, axis=0)
        print(f"| **{name}** | mean | " + ' | '.join(f"{v:.3f}" if i else f"{v:.2f}" for i, v in enumerate(m)) + ' |')


if __name__ == '__main__':
    main()
