"""How much reflected context an image's border needs: `restore`'s `margin`.

The demo's model (`lowdose-stem demo`: two simulated areas of 384², a small U-Net trained for a few hundred steps)
restores each area's held-out 1 µs image in one piece with margins of 128, 64, 32 and 0 pixels. Each restoration is
registered onto the 4 µs target as every held-out image is scored (`metrics.HoldoutPair`) and scored (PSNR) against
the simulator's clean truth in 16-pixel bands along the top and the left edge of the scored region, 32 pixels away
from the corners: two areas, two bands each. A margin is enough when its bands score as the widest margin's do.

usage: .venv/bin/python benchmarks/margin.py [--demo DIR] [--margins 128 64 32 0]
"""
import argparse, contextlib, io, sys, tempfile
from pathlib import Path
import numpy as np
from lowdose_stem.cli import main as cli
from lowdose_stem.io import find_series
from lowdose_stem.metrics import holdout_pair, psnr
from lowdose_stem.restore import load_model, restore

def border_bands(pair, restored, width=16, inset=32):
    "PSNR against the clean truth in `width`-pixel bands along the top and left edges of the scored region, `inset` px from the corners."
    r, clean = pair.registered(restored), pair.references['clean']
    return [psnr(r[:width, inset:-inset], clean[:width, inset:-inset]), psnr(r[inset:-inset, :width], clean[inset:-inset, :width])]

def demo_folder(given):
    "`given`, or a fresh `lowdose-stem demo` folder (its printout kept out of this script's)."
    if given is not None: return Path(given)
    out = Path(tempfile.mkdtemp()) / 'demo'
    with contextlib.redirect_stdout(io.StringIO()):
        if cli(['demo', '--out', str(out), '--quiet']) != 0: sys.exit('the demo failed')
    return out

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--demo', help="an existing `lowdose-stem demo` folder (default: run the demo in a temporary folder)")
    p.add_argument('--margins', type=int, nargs='+', default=[128, 64, 32, 0], help="margins to compare, px (the first is the reference)")
    a = p.parse_args(argv)
    demo = demo_folder(a.demo)
    model = load_model(next((demo / 'runs').glob('*/best.pt')))
    pairs = [holdout_pair(s) for s in find_series(demo / 'data')]
    bands = {mg: np.array([b for h in pairs for b in border_bands(h, restore(h.input, model, tile=None, margin=mg, quiet=True))])
             for mg in a.margins}
    ref = bands[a.margins[0]]
    print(f"| margin (px) | border bands, PSNR vs clean (dB) | largest difference from margin {a.margins[0]} (dB) |\n|---|---|---|")
    for mg, v in bands.items(): print(f"| {mg} | {', '.join(f'{x:.2f}' for x in v)} | {np.abs(v - ref).max():.2f} |")

if __name__ == '__main__': main()
