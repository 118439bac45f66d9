"""Which intensity map suits an input with no dwell time? `restore` maps such an image by the percentiles of its own
raw pixels; this script tries the percentiles of a low-passed copy instead (Gaussian σ px, k×k block means), restoring
every validation image of the quality suite as a bare array with a trained run of `quality.py`, scored as there.

    .venv/bin/python benchmarks/quality_input_map.py benchmarks/.cache/suite-bl100/work/runs/ours/<run>
"""
import sys
from pathlib import Path
import numpy as np
import scipy.ndimage as ndi
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import quality as Q  # noqa: E402
import lowdose_stem.restore as R  # noqa: E402

MAPS = ('raw', 'g1', 'g2', 'g4', 'b2', 'b4')  # raw percentiles; Gaussian σ = 1, 2, 4 px; block means 2², 4²


def low_passed(img: np.ndarray, kind: str) -> np.ndarray:
    if kind.startswith('g'): return ndi.gaussian_filter(img.astype(np.float32), float(kind[1:]))
    k = int(kind[1:]); h, w = img.shape[-2] // k * k, img.shape[-1] // k * k
    return img[..., :h, :w].reshape(-1, h // k, k, w // k, k).mean((2, 4))


def affine_of(kind: str, plain=R._affine):
    "`restore`'s (offset, scale) of a dwell-less input, with the percentiles taken of `low_passed(img, kind)`."
    def f(img, model, units):
        if units is not None or kind == 'raw': return plain(img, model, units)
        lo, hi = np.percentile(low_passed(img, kind), model.normalizer.q)
        return float(lo), float(hi - lo)
    return f


def main(run: Path, root: Path = HERE / '.cache' / 'suite-bl100'):
    torch.set_num_threads(2)
    model = R.load_model(run)
    items = Q.validation_items(root)
    bands = {it['name']: Q.item_band(it) for it in items}
    print('| input map | ' + ' | '.join(it['name'] for it in items) + ' |')
    print('|---|' + '---|' * len(items))
    for kind in MAPS:
        R._affine = affine_of(kind)
        cells = []
        for it in items:
            r = np.asarray(R.restore(it['input'], model, quiet=True), np.float32)  # a bare array: no dwell time
            s = Q.score(it['images'](r), it['px'], bands[it['name']])
            cells.append(f"{s['psnr_c']:.2f}/{s['ssim_c']:.3f}/{s['frc_band']:.3f}")
        print(f"| {kind} | " + ' | '.join(cells) + ' |', flush=True)


if __name__ == '__main__':
    main(Path(sys.argv[1]))
