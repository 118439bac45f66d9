"""Cost of the restoration loss against one training step, measured in the same run.

A training step = model forward + loss + backward + Adam step on a batch of 16 patches of 128².
The loss alone = `RestorationLoss` forward + backward on the same batch (the prediction is a leaf tensor).
Target (issue 5): the loss costs under 10 % of a training step.

usage: .venv/bin/python benchmarks/losses.py [--batch 16] [--patch 128] [--repeats 3]
"""
import argparse, time, statistics
import torch
from lowdose_stem.model import N2NUNet
from lowdose_stem.losses import RestorationLoss

def timed(fn, repeats):
    "Median wall time of `repeats` calls of `fn` after one warm-up call"
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def main(batch=16, patch=128, repeats=3):
    torch.manual_seed(0)
    x, target = torch.rand(batch, 1, patch, patch), torch.rand(batch, 1, patch, patch)
    crit = RestorationLoss()
    def loss_only():
        pred = (target + 0.1 * torch.randn_like(target)).requires_grad_()
        crit(pred, target).backward()
    rows = [('loss forward+backward (fp32)', timed(loss_only, 5 * repeats))]
    for name, fast in (('fp32, NCHW', False), ('bf16 autocast, channels_last', True)):
        model = N2NUNet()
        opt = torch.optim.Adam(model.parameters(), lr=3e-4)
        xi = x.contiguous(memory_format=torch.channels_last) if fast else x
        if fast: model = model.to(memory_format=torch.channels_last)
        def step():
            opt.zero_grad(set_to_none=True)
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=fast): pred = model(xi)
            crit(pred.float(), target).backward()
            opt.step()
        rows.append((f'training step ({name})', timed(step, repeats)))
    loss_t = rows[0][1]
    print(f"batch {batch}×{patch}², torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'measurement':<44}{'seconds':>10}{'loss / step':>14}")
    for name, t in rows: print(f"{name:<44}{t:>10.4f}{'' if t is loss_t else f'{loss_t / t:>13.2%}'}")
    worst = loss_t / min(t for _, t in rows[1:])
    print(f"loss / fastest training step: {worst:.2%}  (target < 10 %: {'PASS' if worst < 0.10 else 'FAIL'})")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch', type=int, default=16); p.add_argument('--patch', type=int, default=128)
    p.add_argument('--repeats', type=int, default=3)
    main(**vars(p.parse_args()))
