"""Cost of the restoration loss against one training step, measured in the same run.

A training step = model forward + loss + backward + Adam step on a batch of 16 patches of 128² (`train.train_step`).
The loss alone = `RestorationLoss` forward + backward on the same batch (the prediction is a leaf tensor), in fp32
and from a bf16 prediction (as it leaves the network under autocast).
The measurements are interleaved round by round and the best round of each is kept (a shared machine disturbs
some rounds); the 1-minute load average is printed before and after.
Target (issue 5): the loss costs under 10 % of a training step.

usage: .venv/bin/python benchmarks/losses.py [--batch 16] [--patch 128] [--rounds 5]
"""
import argparse, os, time
import torch
from lowdose_stem.fast import FastN2NUNet  # what `train` trains: `N2NUNet`, computed faster
from lowdose_stem.losses import RestorationLoss
from lowdose_stem.train import train_step

def main(batch=16, patch=128, rounds=5):
    torch.manual_seed(0)
    x, target = torch.rand(batch, 1, patch, patch), torch.rand(batch, 1, patch, patch)
    crit = RestorationLoss()
    def loss_only(dtype):
        def f():
            pred = (target + 0.1 * torch.randn_like(target)).to(dtype).requires_grad_()
            crit(pred.float(), target).backward()
        return f
    def step(bf16, fmt):
        model = FastN2NUNet().to(memory_format=fmt)
        opt = torch.optim.Adam(model.parameters(), lr=3e-4)
        return lambda: train_step(model, crit, opt, x, target, bf16, fmt)
    fns = {'loss forward+backward (fp32 prediction)': loss_only(torch.float32),
           'loss forward+backward (bf16 prediction)': loss_only(torch.bfloat16),
           'training step (fp32, NCHW)': step(False, torch.contiguous_format),
           'training step (bf16 autocast, channels_last)': step(True, torch.channels_last)}
    load0 = os.getloadavg()[0]
    for f in fns.values(): f()  # warm-up
    best = dict.fromkeys(fns, float('inf'))
    for _ in range(rounds):
        for k, f in fns.items():
            reps = 5 if k.startswith('loss') else 1
            t0 = time.perf_counter()
            for _ in range(reps): f()
            best[k] = min(best[k], (time.perf_counter() - t0) / reps)
    loss_t = max(v for k, v in best.items() if k.startswith('loss'))
    print(f"batch {batch}×{patch}², torch {torch.__version__}, {torch.get_num_threads()} threads, best of {rounds} "
          f"interleaved rounds; 1-min load {load0:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'measurement':<46}{'seconds':>10}{'loss / step':>14}")
    for k, t in best.items(): print(f"{k:<46}{t:>10.4f}{'' if k.startswith('loss') else f'{loss_t / t:>13.2%}'}")
    worst = loss_t / min(t for k, t in best.items() if not k.startswith('loss'))
    print(f"loss / fastest training step: {worst:.2%}  (target < 10 %: {'PASS' if worst < 0.10 else 'FAIL'})")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch', type=int, default=16); p.add_argument('--patch', type=int, default=128)
    p.add_argument('--rounds', type=int, default=5)
    main(**vars(p.parse_args()))
