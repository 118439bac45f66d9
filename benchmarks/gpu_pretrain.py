"""Pretraining on one GPU in one call: measure the rate, train for a fixed budget, export the weights to ship.

A GPU is lent to some sessions only, for minutes, in one call; this script is that call, prepared and tested on the CPU
beforehand (`--device cpu --minutes 0.3`). Three phases, each printed as it happens:
1. probe: `pretrain` for `--probe-steps` steps with the simulation in `--workers` processes; its patches/s over the
   second half (the first holds the workers' start and the kernels' warm-up) is the run's expected rate;
2. run: a new `pretrain` whose `steps` are what fits in `--minutes` at that rate, so that its learning-rate schedule
   (the ramp-down at the end) is the one planned — checkpoints every tenth of it, and a time limit 15 % over the
   budget as a backstop (a run stopped by it is resumable, but not annealed);
3. export: `export_weights` of its `best.pt` (fp16 weights and model card, as the package ships them).
Into OUT (flat, ≤ 8 files, each under 16 MiB): pretrained.pt, pretrained.md, last.pt (resumable: `lowdose-stem pretrain
--resume` a folder holding it and config.json), config.json, metrics.csv, and what it printed if run with `| tee OUT/log.txt`.
Needs numpy, scipy, torch, tifffile, scikit-image, matplotlib and fastprogress (a GPU image may lack the last: carry its
wheel, fastprogress 1.0.3 needs nothing else).
Run: PYTHONUNBUFFERED=1 PYTHONPATH=. python3 benchmarks/gpu_pretrain.py --out OUT [--minutes 6] [--batch-size 32] [--workers N]
"""
import argparse, os, shutil, sys, tempfile, time
from pathlib import Path
import torch
from lowdose_stem.pretrain import PretrainConfig, pretrain, export_weights
from lowdose_stem.restore import load_checkpoint

def rate_of(run:Path) -> float:
    "Patches/s over the last checkpoint interval of a run."
    return load_checkpoint(run)['history'][-1]['patches_per_s']

def main(out:Path, minutes:float, batch_size:int, lr:float|None, patches_per_field:int, workers:int, probe_steps:int, device:str|None):
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    name = torch.cuda.get_device_name() if dev.type == 'cuda' else 'CPU'
    base = PretrainConfig(batch_size=batch_size, patches_per_field=patches_per_field, **({} if lr is None else dict(lr=lr)))
    print(f"{name}, torch {torch.__version__}, {os.cpu_count()} CPUs, {workers} simulation workers; {base.batch_size} patches of "
          f"{base.patch}² a step, {base.patches_per_field} from each {base.field}² image, lr {base.lr}")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        probe = pretrain(PretrainConfig(**{**vars(base), 'steps': 10**6, 'checkpoint_every': probe_steps // 2, 'val_batches': 1}),
                         Path(tmp) / 'probe', device=dev, workers=workers, stop_after=probe_steps, quiet=True)
        rate = rate_of(probe)
        print(f"probe: {probe_steps} steps in {time.perf_counter() - t:.0f} s, {rate:.0f} patches/s after the warm-up")
        steps = max(int(rate * minutes * 60 / base.batch_size), 2)
        cfg = PretrainConfig(**{**vars(base), 'steps': steps, 'checkpoint_every': max(steps // 10, 1)})
        print(f"run: {steps} steps ({steps * cfg.batch_size:,} patches) planned for {minutes} min")
        t = time.perf_counter()
        run = pretrain(cfg, Path(tmp) / 'runs', device=dev, workers=workers, max_seconds=minutes * 60 * 1.15,
                       log_every=max(steps // 20, 1))
        ck = load_checkpoint(run)
        print(f"run: {ck['step']} steps in {time.perf_counter() - t:.0f} s, {rate_of(run):.0f} patches/s at the end; "
              f"best val PSNR {ck['best']['val_psnr']:.2f} dB at step {ck['best']['step']}")
        export_weights(run, out / 'pretrained.pt', overwrite=True)
        for f in ('last.pt', 'config.json', 'metrics.csv'): shutil.copy2(run / f, out / f)
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', type=Path, required=True); p.add_argument('--minutes', type=float, default=6.0)
    p.add_argument('--batch-size', type=int, default=32); p.add_argument('--lr', type=float, default=None)
    p.add_argument('--patches-per-field', type=int, default=4)
    p.add_argument('--workers', type=int, default=max((os.cpu_count() or 2) - 2, 0))
    p.add_argument('--probe-steps', type=int, default=100); p.add_argument('--device', default=None)
    a = p.parse_args()
    main(a.out, a.minutes, a.batch_size, a.lr, a.patches_per_field, a.workers, a.probe_steps, a.device)
