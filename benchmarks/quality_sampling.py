"""Sampling: how a trained `quality.py` model restores each validation image on a finer grid than it was scanned on.

Each input is upsampled by a factor (cubic spline: each pixel becomes `zoom`² smaller ones, the specimen's structure
`zoom` times wider in pixels, the noise correlated over as many), restored by `restore` as `quality.py` restores it,
and brought back to the scanned grid (block means for whole factors, linear interpolation otherwise), then scored as
`quality.py` scores (PSNR / SSIM against the reference after its intensity match, FRC in the detail band).
A diagnostic, not a restoration method: a model that scores far better on the upsampled image than on the image as
scanned has learned a sampling the image lacks — the case for `TrainConfig.coarser`.

Run after `quality.py` has trained a row of ours:
    .venv/bin/python benchmarks/quality_sampling.py RUN_DIR [--zooms 1,1.5,2]
"""
from __future__ import annotations
import argparse, sys
from dataclasses import replace
from pathlib import Path
import numpy as np
from scipy import ndimage as ndi

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import quality as q  # noqa: E402  (the suite, its registration and scores)


def restored_on_finer_grid(x, model, zoom: float) -> np.ndarray:
    "`x` (a `StemImage` or an array) upsampled by `zoom`, restored, and brought back to its own grid."
    from lowdose_stem.io import StemImage
    from lowdose_stem.restore import restore
    stem = isinstance(x, StemImage)
    plain = lambda r: np.asarray(r.data if isinstance(r, StemImage) else r, np.float64)
    data = np.asarray(x.data if stem else x, np.float32)
    if zoom == 1: return plain(restore(x, model, quiet=True))
    up = ndi.zoom(data, zoom, order=3)
    px = None if not stem or x.pixel_size_nm is None else x.pixel_size_nm / zoom
    r = plain(restore(replace(x, data=up, pixel_size_nm=px, path=None) if stem else up, model, quiet=True))
    if float(zoom).is_integer():
        z = int(zoom)
        return r[:data.shape[0] * z, :data.shape[1] * z].reshape(data.shape[0], z, data.shape[1], z).mean((1, 3))
    return ndi.zoom(r, (data.shape[0] / r.shape[0], data.shape[1] / r.shape[1]), order=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('run', type=Path, help="a training run folder of `quality.py` (its best.pt is used)")
    ap.add_argument('--cache', type=Path, default=HERE / '.cache' / 'suite-bl100')
    ap.add_argument('--zooms', default='1,1.5,2', help="upsampling factors (1: as scanned)")
    a = ap.parse_args()
    import torch
    from lowdose_stem.restore import load_model
    torch.set_num_threads(2)
    model, zooms = load_model(a.run / 'best.pt'), [float(z) for z in a.zooms.split(',')]
    items = q.validation_items(a.cache)
    print(f"run: {a.run}\nPSNR vs ref / SSIM vs ref / FRC in the detail band\n")
    print('| restored at | ' + ' | '.join(it['name'] for it in items) + ' |\n|---|' + '---|' * len(items))
    for z in zooms:
        cells = []
        for it in items:
            x = q.restore_input(it)
            band = q.item_band(it)
            s = q.score(it['images'](restored_on_finer_grid(x, model, z)), it['px'], band)
            cells.append(f"{s['psnr_c']:.2f}/{s['ssim_c']:.3f}/{s['frc_band']:.3f}")
        label = 'as scanned' if z == 1 else f'{z:g}× finer grid'
        print(f"| {label} | " + ' | '.join(cells) + ' |', flush=True)


if __name__ == '__main__':
    main()
