"""Brightness drift of a pretraining run: its checkpoints' validation PSNR as `pretrain` reports it, and again after
removing each patch's mean offset from the restoration.

The two agree while a model keeps the mean brightness; a loss that hardly sees the mean (the complex-spectrum L1
alone, `06_losses`) can let it drift, and then the first falls while the second still rises. Scored on the run's own
validation stream (`PretrainConfig.stream(1)`), in normalised units (1 = an image's robust range), as `pretrain` does.

    PYTHONPATH=. .venv/bin/python benchmarks/pretrain_brightness.py RUN [--batches 3]
"""
from __future__ import annotations
import argparse
from pathlib import Path
import numpy as np
import torch


def scores(net, batches) -> tuple:
    "(PSNR, PSNR after each patch's offset is removed, mean |offset|) of `net` over `batches` of (input, truth)."
    mse, mse_free, off = [], [], []
    with torch.no_grad():
        for x, y in batches:
            d = net(x) - y
            bias = d.mean(dim=(1, 2, 3), keepdim=True)
            mse.append(d.square().mean().item()); mse_free.append((d - bias).square().mean().item()); off.append(bias.abs().mean().item())
    return 10 * np.log10(1 / np.mean(mse)), 10 * np.log10(1 / np.mean(mse_free)), float(np.mean(off))


def main():
    from lowdose_stem.pretrain import PretrainConfig
    from lowdose_stem.restore import load_model, model_file
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('run', type=Path, help="a pretraining run folder")
    ap.add_argument('--batches', type=int, default=3, help="validation batches scored")
    a = ap.parse_args()
    print("| checkpoint | step | PSNR (dB) | PSNR, each patch's offset removed (dB) | mean abs offset |\n|---|---|---|---|---|")
    for which in ('best', 'last'):
        model = load_model(model_file(a.run, which))   # the network, with `restore`'s checks of the file
        val = PretrainConfig.from_stored(model.info['config']).stream(1)
        p, pf, off = scores(model.net, [val[b] for b in range(a.batches)])
        print(f"| {which} | {model.info['step']} | {p:.2f} | {pf:.2f} | {off:.3f} |")


if __name__ == '__main__':
    main()
