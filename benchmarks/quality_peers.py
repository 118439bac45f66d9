"""Peer restorations for `benchmarks/quality.py`, run inside each peer's own venv (never imports lowdose_stem).

    <venv>/bin/python benchmarks/quality_peers.py {bm3d,care,tkrem} IN.npz OUT.npz [JSON options]

IN.npz holds the validation inputs `x_<k>` (float32, any units) and, for `care`, the training pairs `train_x_<i>`,
`train_y_<i>` (2-D); OUT.npz gets `y_<k>` (and, for sweeps, `y_<k>_<i>`, one per parameter) in the input's units,
plus `info` (JSON: parameters, wall times).
"""
import json, shutil, sys, time
from pathlib import Path
import numpy as np


def _robust(x, q=(1.0, 99.8)):
    lo, hi = np.percentile(x, q)
    return float(lo), float(max(hi - lo, 1e-12))


def _noise_sigma(x):
    """Noise σ from the finest diagonal Haar detail. Its standard deviation, not Donoho's MAD: at < 1 detected
    electron a pixel most pixels hold read noise only and the MAD sees just that, not the shot noise."""
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    d = (x[0:h:2, 0:w:2] - x[1:h:2, 0:w:2] - x[0:h:2, 1:w:2] + x[1:h:2, 1:w:2]) / 2
    return float(d.std())


def run_bm3d(xs, opts):
    "BM3D on each input brought to [0, 1] by its robust range; σ = the estimate × each factor of the sweep."
    import bm3d
    factors = opts.get('factors', [0.25, 0.35, 0.5, 0.71, 1.0, 1.41, 2.0, 2.83, 4.0])
    out, info = {}, {}
    for k, x in xs.items():
        lo, sc = _robust(x)
        z = (x - lo) / sc
        s0 = _noise_sigma(z)
        t = time.perf_counter()
        for i, f in enumerate(factors):
            out[f"y_{k}_{i}"] = (bm3d.bm3d(z, sigma_psd=s0 * f) * sc + lo).astype(np.float32)
        info[k] = dict(sigma_est=s0, sigmas=[s0 * f for f in factors], factors=factors,
                       seconds_per_run=(time.perf_counter() - t) / len(factors))
    return out, info


def run_care(xs, opts, train_x, train_y):
    "CAREamics CARE (U-Net, MAE loss) trained on the same pairs for the given wall time (a Lightning Timer; its early stopping off)."
    import torch
    from careamics import CAREamist
    from careamics.config import create_care_config
    from lightning.pytorch.callbacks import Timer
    torch.set_num_threads(opts.get('threads', 2))
    budget, patch, batch = float(opts['budget_s']), int(opts.get('patch', 64)), int(opts.get('batch', 16))
    cfg = create_care_config(experiment_name='quality', data_type='array', axes='YX', patch_size=[patch, patch],
                             batch_size=batch, num_epochs=int(opts.get('epochs', 1000)), **opts.get('config', {}))
    cfg.training_config.early_stopping_params = None  # the budget, not a plateau of val_loss, ends training: ours' wall time
    work = Path(opts['work_dir'])
    if work.exists(): shutil.rmtree(work)  # no checkpoints of an earlier run
    work.mkdir(parents=True)
    timer = Timer(duration=dict(seconds=budget), interval='step')  # stops training once the budget is spent
    cam = CAREamist(cfg, work_dir=str(work), callbacks=[timer], enable_progress_bar=False)
    t = time.perf_counter()  # CAREamics sets n_val_patches patches of the training data aside for validation
    cam.train(train_data=list(train_x), train_data_target=list(train_y))
    train_s = time.perf_counter() - t
    out, info = {}, dict(train_s=train_s, epochs_done=int(cam.trainer.current_epoch),
                         steps_done=int(cam.trainer.global_step), patch=patch, batch=batch)
    for k, x in xs.items():
        t = time.perf_counter()
        tile = [min(256, s // 16 * 16) for s in x.shape]
        y, _ = cam.predict(x.astype(np.float32), data_type='array', axes='YX', tile_size=tuple(tile),
                           tile_overlap=tuple(min(48, s // 4 // 2 * 2) for s in tile))
        y = np.asarray(y[0] if isinstance(y, (list, tuple)) else y).squeeze()
        out[f"y_{k}"] = y.astype(np.float32)
        info[f"predict_s_{k}"] = time.perf_counter() - t
    return out, info


def run_tkrem(xs, opts):
    "tk-r-em pretrained networks (no training), patch-based prediction on the input brought to [0, 1]."
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(opts.get('threads', 2))
    from tk_r_em import load_network
    out, info = {}, {}
    for name in opts.get('nets', ['sfr_lrstem', 'sfr_hrstem']):
        net = load_network(name)
        for k, x in xs.items():
            lo, sc = _robust(x)
            for scale in opts.get('scales', ['unit', 'raw']):  # the input as is, or brought to [0, 1] by its robust range
                a, b = (lo, sc) if scale == 'unit' else (0.0, 1.0)
                z = (x - a) / b
                t = time.perf_counter()
                if max(z.shape) > opts.get('whole_below', 512):
                    y = net.predict_patch_based(z, patch_size=256, stride=128, batch_size=4)
                else:
                    y = net.predict(z)
                out[f"y_{k}_{name}_{scale}"] = (np.asarray(y, np.float32).squeeze() * b + a).astype(np.float32)
                info[f"{name}_{scale}_s_{k}"] = time.perf_counter() - t
    return out, info


if __name__ == '__main__':
    which, src, dst = sys.argv[1:4]
    opts = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    d = np.load(src)
    xs = {k[2:]: d[k].astype(np.float32) for k in d.files if k.startswith('x_')}
    if which == 'bm3d': out, info = run_bm3d(xs, opts)
    elif which == 'care':
        n = sum(k.startswith('train_x_') for k in d.files)
        out, info = run_care(xs, opts, [d[f"train_x_{i}"] for i in range(n)], [d[f"train_y_{i}"] for i in range(n)])
    elif which == 'tkrem': out, info = run_tkrem(xs, opts)
    else: raise SystemExit(f"unknown peer {which!r}")
    np.savez(dst, info=json.dumps(info), **out)
