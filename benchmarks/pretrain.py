"""Pretraining throughput on this machine: the patches/s `pretrain` trains, against its two parts measured in the same run.

Default `PretrainConfig`: 16 patches of 128² a step, 4 cut from each freshly simulated 256² image; the default
`N2NUNet` (base 48, depth 5) with `RestorationLoss` and Adam, bf16 + channels_last where `train` would use them.
Each round, one after the other (so that all three meet the same load on a shared machine):
- train_step: `--every` optimiser steps on one fixed batch (the network alone: what `benchmarks/train_cpu.py` times);
- simulate: `--every` batches of the stream drawn in this process (the simulator alone);
- pretrain: `pretrain` resumed for `--every` more steps, simulation in this process (workers=0), its rate over the
  interval as `metrics.csv` reports it (the checkpoint and validation are outside the interval).
After one warm-up round. Best and median over the rounds; `pretrain / serial` is pretrain's rate over what the two
parts one after the other would give. `--workers W ...` adds one continuous run of `--every` × rounds steps with the
simulation in W worker processes. The 1-minute load average before and after (the machine may be shared).
With --cpu-time, the two parts alone, on one thread, in process CPU time — what other jobs on a shared machine
disturb least — and the serial rate they give (a projection of pretrain at workers=0 on one thread).
Run: PYTHONPATH=. .venv/bin/python benchmarks/pretrain.py [--rounds 4] [--every 4] [--workers 1] [--device cuda] [--cpu-time]
"""
import argparse, os, tempfile, time
from dataclasses import replace
from pathlib import Path
import numpy as np, torch
from lowdose_stem.fast import FastN2NUNet
from lowdose_stem.losses import RestorationLoss
from lowdose_stem.pretrain import PretrainConfig, pretrain
from lowdose_stem.restore import load_checkpoint
from lowdose_stem.train import train_step, run_formats

clock = time.perf_counter

def rate(f, n:int, batch:int) -> float:
    "Patches/s of calling f(i) for i in range(n), `batch` patches each (by `clock`)."
    t = clock()
    for i in range(n): f(i)
    return n * batch / (clock() - t)

def main(rounds=4, every=4, workers=(), device=None, cpu_time=False):
    cfg = PretrainConfig(checkpoint_every=every, val_batches=1)
    device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    print(f"load {os.getloadavg()[0]:.2f}; torch {torch.__version__}, {torch.get_num_threads()} threads, {device}; "
          f"{cfg.batch_size} patches of {cfg.patch}² a step, {cfg.patches_per_field} from each {cfg.field}² image")
    stream, (x, y) = cfg.stream(), cfg.stream(2)[0]
    bf16, fmt = run_formats(cfg, device)
    torch.manual_seed(0)
    model = FastN2NUNet(**cfg.model_config).to(device, memory_format=fmt)
    loss_fn, opt = RestorationLoss(**cfg.loss_weights), torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=cfg.betas)
    x, y = x.to(device), y.to(device)
    step = lambda i: train_step(model, loss_fn, opt, x, y, bf16, fmt)
    got = {'train_step': [], 'simulate': [], 'pretrain': []}
    with tempfile.TemporaryDirectory() as tmp:
        run = None if cpu_time else pretrain(cfg, Path(tmp) / 'runs', device=device, stop_after=every, quiet=True)   # the warm-up round
        rate(step, every, cfg.batch_size)
        for r in range(rounds):
            got['train_step'].append(rate(step, every, cfg.batch_size))
            got['simulate'].append(rate(lambda i: stream[10_000 + r * every + i], every, cfg.batch_size))
            if cpu_time: continue
            pretrain(resume=run, device=device, stop_after=every * (r + 2), quiet=True)
            got['pretrain'].append(load_checkpoint(run)['history'][-1]['patches_per_s'])
        for w in workers:
            long = pretrain(replace(cfg, checkpoint_every=every * rounds), Path(tmp) / f'w{w}', device=device, workers=w,
                            stop_after=every * (rounds + 1), quiet=True)   # its first checkpoint interval is the warm-up
            got[f'pretrain, workers={w}'] = [load_checkpoint(long)['history'][-1]['patches_per_s']]
    serial = [1 / (1 / a + 1 / b) for a, b in zip(got['train_step'], got['simulate'])]
    if cpu_time: got = {k: v for k, v in got.items() if v} | {'serial (projection)': serial}
    print(f"{'what':<22}{'patches/s best':>16}{'median':>10}{'s a step (best)':>18}")
    for name, r in got.items(): print(f"{name:<22}{max(r):>16.1f}{np.median(r):>10.1f}{cfg.batch_size / max(r):>18.3f}")
    if not cpu_time: print(f"pretrain / serial (train_step then simulate): best {max(got['pretrain']) / max(serial):.2f}, "
                           f"median {np.median(np.array(got['pretrain']) / np.array(serial)):.2f}")
    print(f"load {os.getloadavg()[0]:.2f}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--rounds', type=int, default=4); p.add_argument('--every', type=int, default=4)
    p.add_argument('--workers', type=int, nargs='*', default=[]); p.add_argument('--device', default=None)
    p.add_argument('--cpu-time', action='store_true')
    a = p.parse_args()
    if a.cpu_time: torch.set_num_threads(1); clock = time.process_time
    main(a.rounds, a.every, tuple(a.workers), a.device, a.cpu_time)
