"""Restoration quality on images our simulator did not make, next to peers run on the same images in the same run.

Suite (built once, cached under benchmarks/.cache/suite-bl<black level>/):
- `nanoparticles`: real frames (shared/data/real/nanoparticles_5frames): frame 0 in, the mean of the other four as
  target, the mean of all five as the reference ("clean" column; it shares frame 0's noise at 1/5 of the weight);
- `streaks`, `srtio3`: real high-dose HAADF images (haadf_streaks 512², srtio3_jitter 1024² binned 2× → 512²), lightly
  smoothed and scaled to a HAADF fraction η, used as the specimen of `simulate.acquire` at 0.2, 0.5, 1, 2, 4 µs, written
  as dwell series; a black level (--black-level counts, default 100) stays in every acquired image, as real
  detectors record it, and no file says what it is. Training regions and validation crops are disjoint;
- `sim`: our own simulated series (`simulate.write_dataset`), same black level.
Methods restore the held-out 1 µs validation input of every area (frame 0 for `nanoparticles`): input, Gaussian (σ
swept), BM3D (σ estimated, swept), CAREamics CARE (trained on the same pairs for ours' wall time), tk-r-em pretrained
(`sfr_lrstem`, `sfr_hrstem`), ours (`train` + `restore`, time-boxed), pretrained (`restore` with a model pretrained on
randomised simulations, `--pretrained CHECKPOINT`, never trained on the suite). Peers run in venvs the script makes under
benchmarks/.venvs/ and talk to this script through .npz files. Sweeps (Gaussian σ, BM3D σ, tk-r-em network) report
the best setting per image by PSNR against the reference: an oracle pick, which flatters them.

Scores (`lowdose_stem.metrics`, `lowdose_stem.fourier`), per image after registration to the target
(`metrics.holdout_images`): PSNR/SSIM with the method's definitions (the reference's robust range, 0.1–99.9 %, as
[0, 1]) against the target and against the reference, each after an intensity match (the prediction's gain and
offset fitted by least squares so that its σ = 4 px Gaussian-smoothed version matches the reference's: units and
black level, not noise); the same PSNR without the match (`metrics.evaluate` as is); FRC half-bit resolution against
the target (independent noise; `metrics.evaluate`'s frc_nm); mean FRC in the specimen's fine-detail band (see
`detail_band`) against the clean image (real frames: against the target, since the mean of all five shares the
input's noise); wall time of the restoration (training times under "Runs").

Run:  .venv/bin/python benchmarks/quality.py                       # build the suite, run every method, print the table
      .venv/bin/python benchmarks/quality.py --methods ours --ours-name ours-l2 --ours-config '{"w_pixel": 1.0}'
                                                                  # one more row of ours, the peers from the cache
"""
from __future__ import annotations
import argparse, dataclasses, json, os, shutil, subprocess, sys, time
from pathlib import Path
import numpy as np
from scipy import ndimage as ndi

HERE = Path(__file__).resolve().parent
VENVS = HERE / '.venvs'
TORCH = 'torch==2.13.0'
PEERS = {  # venv name → pip install steps (torch first, or pip pulls a multi-GB CUDA build)
    'bm3d': [['bm3d==4.0.3']],
    'careamics': [[TORCH], ['careamics==0.3.5']],
    'tkrem': [['tensorflow-cpu==2.12.1', 'tk_r_em==1.0.4']],
}
ALL_METHODS = ('input', 'gaussian', 'bm3d', 'care', 'tkrem', 'ours', 'pretrained')
VAL_SIDE = 256
DWELLS = (0.2, 0.5, 1, 2, 4)


def log(*a): print(*a, flush=True)

# ---------------------------------------------------------------------------------------------------------- suite
def _as_specimen(img: np.ndarray, px: float, eta: tuple, smooth: float):
    "A real image as a specimen: smoothed lightly, its robust range (0.1–99.9 %) mapped to HAADF fractions `eta`."
    from lowdose_stem.io import StemImage
    s = ndi.gaussian_filter(img.astype(np.float64), smooth) if smooth else img.astype(np.float64)
    lo, hi = np.percentile(s, (0.1, 99.9))
    u = np.clip((s - lo) / (hi - lo), 0, 1)
    return StemImage((eta[0] + (eta[1] - eta[0]) * u).astype(np.float32), px, None, dict(kind='specimen', source='real'))


def _black_scan(black: float):
    "Our simulator's scan with a read-out black level of `black` counts left in the data (0: the signal above it, no offset)."
    from lowdose_stem.simulate import ScanParams
    return ScanParams(black_level=black) if black else ScanParams(black=False)


def _scan_for(px: float, black: float):
    "The default scan artifacts, with their nm-sized parameters scaled so that they are as many pixels as at our simulator's pixel size."
    from lowdose_stem.simulate import DEFAULT_PIXEL_SIZE_NM
    f = px / DEFAULT_PIXEL_SIZE_NM
    sp = _black_scan(black)
    return dataclasses.replace(sp, flyback_lag_nm=sp.flyback_lag_nm * f, mains_nm=sp.mains_nm * f,
                               drift_nm_per_s=tuple(v * f for v in sp.drift_nm_per_s))


def _write_series(folder: Path, name: str, spec, seed: int, black: float, scan=None):
    "Acquire `spec` at every dwell (in order, drifting) with a black level, write `<name>/<name>_<d>us.tif` + clean."
    from lowdose_stem.simulate import acquire, clean_signal
    from lowdose_stem.io import write_image, CLEAN_SUFFIX
    scan = scan or _scan_for(spec.pixel_size_nm, black)
    t0, ref = 0.0, None
    for d, s in zip(DWELLS, [int(v) for v in np.random.SeedSequence(seed).generate_state(len(DWELLS))]):  # as `simulate` seeds a series
        img = acquire(spec, d, scan=scan, seed=s, t0_s=t0)
        t0 += img.meta['frame_time_s'] + 5.0
        write_image(folder / name / f"{name}_{d:g}us.tif", img, meta=dict(area=name), overwrite=True)  # as a real file: no black level recorded
        ref = img
    truth = clean_signal(spec, gain=scan.gain, offset_px=ref.meta['drift_px'])
    write_image(folder / name / f"{name}{CLEAN_SUFFIX}.tif", truth, meta=dict(area=name, aligned_with_dwell_us=ref.dwell_us),
                overwrite=True)


def build_suite(root: Path, black: float, real: Path | None) -> dict:
    "Write the training and validation series (once); return the suite's description."
    done = root / 'suite.json'
    if done.exists(): return json.loads(done.read_text())
    from lowdose_stem.io import read_image
    from lowdose_stem.simulate import write_dataset
    t = time.perf_counter()
    train, val = root / 'train', root / 'val'
    for p in (train, val):
        if p.exists(): shutil.rmtree(p)
    S = VAL_SIDE
    areas = {}
    if real is not None:
        im = read_image(real / 'haadf_streaks.tif')  # 512², 0.0178 nm/px: train on the top half, validate below it
        d = im.data
        _write_series(train, 'streaks', _as_specimen(d[:256], im.pixel_size_nm, (0.01, 0.3), 1.0), 1, black)
        _write_series(val, 'streaks', _as_specimen(d[256:256 + S, 128:128 + S], im.pixel_size_nm, (0.01, 0.3), 1.0), 2, black)
        areas['streaks'] = dict(kind='real specimen, acquisition model', source='haadf_streaks.tif', px=im.pixel_size_nm)
        im = read_image(real / 'srtio3_jitter.tif')  # 1024², 0.0100 nm/px → binned 2× (0.020 nm/px, 512²)
        d = im.data.reshape(512, 2, 512, 2).mean((1, 3))
        px = im.pixel_size_nm * 2
        _write_series(train, 'srtio3', _as_specimen(d[:256], px, (0.02, 0.3), 0.7), 3, black)
        _write_series(val, 'srtio3', _as_specimen(d[256:256 + S, 128:128 + S], px, (0.02, 0.3), 0.7), 4, black)
        areas['srtio3'] = dict(kind='real specimen (atomic lattice), acquisition model', source='srtio3_jitter.tif', px=px)
        fr = read_image(real / 'nanoparticles_5frames.tif')
        f = fr.data.astype(np.float32)
        np.savez(root / 'nanoparticles.npz', input=f[0], target=f[1:].mean(0), reference=f.mean(0),
                 px=np.float32(fr.pixel_size_nm))
        areas['nanoparticles'] = dict(kind='real frames: 1 in, mean of 4 target, mean of 5 reference',
                                      source='nanoparticles_5frames.tif', px=fr.pixel_size_nm)
    else:
        log("NOTE: the real images (shared/data/real) were not found: the suite has only our simulated series; "
            "set LOWDOSE_STEM_REAL_DATA to the folder to include them.")
    for folder, shape, seed in ((train, (256, 512), 11), (val, (S, S), 12)):
        tmp = root / '_sim'
        if tmp.exists(): shutil.rmtree(tmp)
        write_dataset(tmp, n_areas=1, shape=shape, seed=seed, progress=False, scan=_black_scan(black))
        src = tmp / 'area01'
        (folder / 'sim').mkdir(parents=True, exist_ok=True)
        for p in src.iterdir(): p.rename(folder / 'sim' / p.name.replace('area01', 'sim'))
        shutil.rmtree(tmp)
    areas['sim'] = dict(kind='our simulator (write_dataset)', source='simulate.write_dataset', px=0.25)
    desc = dict(black_level=black, areas=areas, build_s=time.perf_counter() - t)
    done.write_text(json.dumps(desc, indent=1))
    log(f"suite built in {desc['build_s']:.0f} s: {root}")
    return desc


def validation_items(root: Path) -> list:
    "One dict per validation image: name, raw input (its own units), px, and `score_images(restored)`."
    from lowdose_stem.io import find_series
    from lowdose_stem.metrics import holdout_images
    items = []
    np_file = root / 'nanoparticles.npz'
    if np_file.exists():
        z = np.load(np_file)
        def imgs_np(r, z=z):
            return dict(restored=np.asarray(r, np.float32), target=z['target'], clean=z['reference'], indep=z['target'])
        items.append(dict(name='nanoparticles', input=z['input'], dwell=None, px=float(z['px']), images=imgs_np, stem=None))
    order = ['streaks', 'srtio3', 'sim']
    for s in sorted(find_series(root / 'val'), key=lambda s: order.index(s.area) if s.area in order else 99):
        x = s[1.0]
        def imgs(r, s=s):
            out = holdout_images(s, r)  # registered to the 4 µs target, rate units (counts/µs)
            return dict(restored=out['restored'], target=out['target'], clean=out['clean'])
        items.append(dict(name=s.area, input=x.data, dwell=x.dwell_us, px=x.pixel_size_nm, images=imgs, stem=x))
    return items


def training_pairs(root: Path) -> tuple:
    "The training pairs as ours sees them (0.2/0.5/2 µs → 4 µs, registered, valid region, rate units): lists X, Y."
    from lowdose_stem.io import find_series
    from lowdose_stem.align import align_to, valid_region, estimate_shift
    X, Y = [], []
    for s in find_series(root / 'train'):
        for inp, tgt in s.pairs((0.2, 0.5, 2.0), 4.0):
            sh = estimate_shift(inp.rate, tgt.rate)
            a, _ = align_to(inp.rate, tgt.rate, shift=sh)
            ys, xs = valid_region(tgt.shape, sh)
            X.append(np.ascontiguousarray(a[ys, xs], np.float32)); Y.append(np.ascontiguousarray(tgt.rate[ys, xs], np.float32))
    return X, Y

# ---------------------------------------------------------------------------------------------------------- scores
def intensity_match(p: np.ndarray, r: np.ndarray, sigma: float = 4.0) -> np.ndarray:
    "a·p + b with (a, b) the least-squares fit of the σ-smoothed p onto the σ-smoothed r (units and offset, not noise)."
    ps, rs = ndi.gaussian_filter(p.astype(np.float64), sigma), ndi.gaussian_filter(r.astype(np.float64), sigma)
    A = np.stack([ps.ravel(), np.ones(ps.size)], 1)
    (a, b), *_ = np.linalg.lstsq(A, rs.ravel(), rcond=None)
    return (a * p + b).astype(np.float64)


def detail_band(clean: np.ndarray, target: np.ndarray | None) -> tuple:
    """The fine-detail band of a specimen, cycles/px: the octave [f/2, f] below f, the highest frequency where the
    reference's radially averaged power exceeds 3× the noise floor of the 4 µs target (`fourier.resolution_cutoff`
    with `reference=target`, both on the target's robust scale), i.e. the finest structure of the specimen that
    the target's dose could show. Without a clean image (real frames) the reference's own noise floor is used."""
    from lowdose_stem.fourier import resolution_cutoff
    from lowdose_stem.metrics import normalise_pair
    if target is None:
        f = float(resolution_cutoff(clean).freq)
    else:
        c, t = normalise_pair(clean, target)
        f = float(resolution_cutoff(c, reference=t).freq)
    f = min(max(f, 0.05), 0.5)
    return f / 2, f


def restore_input(it: dict):
    "What `restore` is given for a validation item: its 1 µs `StemImage` (dwell, black level), or the bare array of a dwell-less frame."
    return it['stem'] if it['stem'] is not None else it['input']


def item_band(it: dict) -> tuple:
    "The detail band of a validation item (`validation_items`): from its reference, against its target's noise floor when it has a dwell series."
    im = it['images'](it['input'])
    return detail_band(im['clean'], None if it['dwell'] is None else im['target'])


def score(imgs: dict, px: float, band: tuple) -> dict:
    from lowdose_stem.metrics import psnr, ssim, evaluate
    from lowdose_stem.fourier import frc
    p, t, c = (np.asarray(imgs[k], np.float64) for k in ('restored', 'target', 'clean'))
    out = {}
    pt, pc = intensity_match(p, t), intensity_match(p, c)
    out.update(psnr_t=float(psnr(pt, t)), ssim_t=float(ssim(pt, t)), psnr_c=float(psnr(pc, c)), ssim_c=float(ssim(pc, c)))
    e = evaluate(p, t, c, px)  # the library's evaluate as is: no intensity match
    out['psnr_c_raw'] = e['clean_psnr']
    out['frc_nm'] = e['frc_nm']  # FRC half-bit resolution against the target: independent noise
    f = frc(p, np.asarray(imgs.get('indep', c), np.float64))
    fr, cv = np.asarray(f.freqs), np.asarray(f.curve)
    sel = (fr >= band[0]) & (fr <= band[1])
    out['frc_band'] = float(cv[sel].mean())
    return out

# ---------------------------------------------------------------------------------------------------------- peers' venvs
def venv_python(name: str, install: bool = True) -> Path | None:
    "The peer's venv python, making the venv and installing into it when missing; None (and why) if that fails."
    v = VENVS / name
    py = v / 'bin' / 'python'
    ok = v / '.installed'
    if ok.exists(): return py
    if not install: return None
    log(f"[{name}] making venv {v} and installing {PEERS[name]} (once)")
    VENVS.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    try:
        if not py.exists(): subprocess.run([sys.executable, '-m', 'venv', str(v)], check=True)
        for pkgs in PEERS[name]:
            r = subprocess.run([str(py), '-m', 'pip', 'install', '-q', *pkgs], capture_output=True, text=True)
            if r.returncode: raise RuntimeError(f"pip install {' '.join(pkgs)} failed: {r.stderr.strip()[-800:]}")
    except Exception as e:
        log(f"[{name}] NOT AVAILABLE, skipped: {e}")
        return None
    ok.write_text(f"{time.perf_counter() - t:.0f} s\n")
    return py


def run_peer(which: str, venv: str, xs: dict, work: Path, opts: dict, extra: dict | None = None,
             timeout: float = 3600) -> tuple:
    "Run `quality_peers.py which` in the peer's venv on `xs` (name → array): (outputs, info) or (None, reason)."
    py = venv_python(venv)
    if py is None: return None, f"{venv}: could not be installed"
    work.mkdir(parents=True, exist_ok=True)
    src, dst = work / f"{which}_in.npz", work / f"{which}_out.npz"
    np.savez(src, **{f"x_{k}": v for k, v in xs.items()}, **(extra or {}))
    if dst.exists(): dst.unlink()
    env = {**os.environ, 'OMP_NUM_THREADS': str(opts.get('threads', 2)), 'CUDA_VISIBLE_DEVICES': '',
           'TF_CPP_MIN_LOG_LEVEL': '2'}
    r = subprocess.run([str(py), str(HERE / 'quality_peers.py'), which, str(src), str(dst), json.dumps(opts)],
                       env=env, capture_output=True, text=True, timeout=timeout)
    (work / f"{which}.log").write_text(r.stdout + '\n' + r.stderr)
    if r.returncode or not dst.exists():
        return None, f"{which} failed (rc {r.returncode}): {r.stderr.strip()[-1500:]}"
    d = np.load(dst)
    return {k: d[k] for k in d.files if k != 'info'}, json.loads(str(d['info']))

# ---------------------------------------------------------------------------------------------------------- methods
# Each method returns {image name: {'candidates': {label: restored array in the input's units}, ...}, '_info': {...}}.
def m_input(items, ctx):
    return {it['name']: {'candidates': {'': it['input']}, 'seconds': 0.0} for it in items}


def m_gaussian(items, ctx):
    out = {}
    for it in items:
        t = time.perf_counter()
        c = {f"σ={s:g}": ndi.gaussian_filter(it['input'].astype(np.float32), s) for s in (0.5, 0.75, 1, 1.5, 2, 3, 4, 6)}
        out[it['name']] = {'candidates': c, 'seconds': (time.perf_counter() - t) / len(c)}
    return out


def m_bm3d(items, ctx):
    res, info = run_peer('bm3d', 'bm3d', {it['name']: it['input'] for it in items}, ctx['work'] / 'bm3d', {})
    if res is None: return {'_error': info}
    out = {}
    for it in items:
        i = info[it['name']]
        c = {f"σ={s:.3g}": res[f"y_{it['name']}_{j}"] for j, s in enumerate(i['sigmas'])}
        out[it['name']] = {'candidates': c, 'seconds': i['seconds_per_run']}
    return out


def _to_rate(it, x):
    return x / np.float32(it['dwell']) if it['dwell'] else x


def _from_rate(it, x):
    return x * np.float32(it['dwell']) if it['dwell'] else x


def _nodwell_map(x, ref_y):
    "Affine map of a dwell-less input onto the training targets' robust range (as `restore` does for ours), and back."
    lo, hi = np.percentile(x, (1, 99.8)); tlo, thi = np.percentile(ref_y, (1, 99.8))
    a = (thi - tlo) / (hi - lo)
    return (lambda v: (v - lo) * a + tlo), (lambda v: (v - tlo) / a + lo)


def m_care(items, ctx):
    X, Y = training_pairs(ctx['root'])
    budget = ctx['care_budget_s']
    xs, back = {}, {}
    for it in items:
        if it['dwell']: xs[it['name']], back[it['name']] = _to_rate(it, it['input']), (lambda v, it=it: _from_rate(it, v))
        else:
            fwd, bwd = _nodwell_map(it['input'], np.concatenate([y.ravel() for y in Y]))
            xs[it['name']], back[it['name']] = fwd(it['input']), bwd
    opts = dict(budget_s=budget, work_dir=str(ctx['work'] / 'care_run'), patch=64, batch=16, threads=ctx['threads'])
    t = time.perf_counter()
    pairs = {**{f"train_x_{i}": a for i, a in enumerate(X)}, **{f"train_y_{i}": a for i, a in enumerate(Y)}}
    res, info = run_peer('care', 'careamics', xs, ctx['work'] / 'care', opts, pairs,
                         timeout=budget * 4 + 900)
    if res is None: return {'_error': info}
    out = {it['name']: {'candidates': {'': back[it['name']](res[f"y_{it['name']}"])},
                        'seconds': info.get(f"predict_s_{it['name']}", 0.0)} for it in items}
    out['_info'] = dict(info, wall_s=time.perf_counter() - t, budget_s=budget, train_pairs=len(X))
    return out


def m_tkrem(items, ctx):
    res, info = run_peer('tkrem', 'tkrem', {it['name']: it['input'] for it in items}, ctx['work'] / 'tkrem',
                         dict(threads=ctx['threads']))
    if res is None: return {'_error': info}
    out = {}
    for it in items:
        c = {k[len(f"y_{it['name']}_"):]: v for k, v in res.items() if k.startswith(f"y_{it['name']}_sfr_")}
        ts = [v for k, v in info.items() if k.endswith(f"_s_{it['name']}")]
        out[it['name']] = {'candidates': c, 'seconds': float(np.mean(ts)) if ts else float('nan')}
    return out


def _step_seconds(cfg) -> float:
    "Wall time of one training step of `cfg` here (best of 3 after a warm-up), on random patches."
    import torch
    from lowdose_stem.model import N2NUNet
    from lowdose_stem.losses import RestorationLoss
    from lowdose_stem.train import train_step, run_formats
    dev = torch.device('cpu')
    bf16, fmt = run_formats(cfg, dev)
    torch.manual_seed(0)
    net = N2NUNet(**cfg.model_config).to(memory_format=fmt)
    loss, opt = RestorationLoss(**cfg.loss_weights), torch.optim.Adam(net.parameters(), lr=cfg.lr)
    x = torch.rand(cfg.batch_size, 1, cfg.patch, cfg.patch); y = x + 0.1 * torch.randn_like(x)
    times = []
    for i in range(4):
        t = time.perf_counter(); train_step(net, loss, opt, x, y, bf16, fmt); times.append(time.perf_counter() - t)
    return min(times[1:])


def m_ours(items, ctx):
    import torch
    from lowdose_stem.train import TrainConfig, train
    from lowdose_stem.restore import load_model, restore
    torch.set_num_threads(ctx['threads'])
    over = dict(ctx['ours_config'])
    base = dataclasses.asdict(TrainConfig.method() if ctx['ours_base'] == 'method' else TrainConfig())
    bad = set(over) - set(base)
    if bad: raise SystemExit(f"--ours-config: TrainConfig has no field(s) {sorted(bad)}")
    cfg = TrainConfig(**{**base, **over})
    budget = ctx['budget_s']
    if not {'epochs', 'max_steps_per_epoch'} & set(over):  # the budget: steps that fit in it, over `--ours-epochs` epochs
        step = _step_seconds(cfg)
        epochs = min(cfg.epochs, ctx['ours_epochs'])
        steps = max(1, int(0.85 * budget / step / epochs))
        cfg = dataclasses.replace(cfg, epochs=epochs, max_steps_per_epoch=steps)
        log(f"[{ctx['ours_name']}] one step {step:.2f} s → {epochs} epochs × {steps} steps for a {budget:.0f} s budget")
    runs = ctx['work'] / 'runs' / ctx['ours_name']
    t = time.perf_counter()
    run = train(cfg, ctx['root'] / 'train', runs, quiet=True)
    train_s = time.perf_counter() - t
    model = load_model(run)
    out = {}
    for it in items:
        t = time.perf_counter()
        r = restore(restore_input(it), model, quiet=True)
        r = r.data if hasattr(r, 'data') else r
        out[it['name']] = {'candidates': {'': np.asarray(r, np.float32)}, 'seconds': time.perf_counter() - t}
    out['_info'] = dict(train_s=train_s, run=str(run), base=ctx['ours_base'], config={k: v for k, v in dataclasses.asdict(cfg).items() if base.get(k) != v})
    return out


def m_pretrained(items, ctx):
    "A pretrained model (`--pretrained`, default the package's own), never trained on the suite: each validation input restored as given."
    import torch
    from lowdose_stem.restore import load_model, restore
    torch.set_num_threads(ctx['threads'])
    try: model = load_model(ctx['pretrained'])
    except FileNotFoundError as e: return {'_error': str(e)}
    out = {}
    for it in items:
        t = time.perf_counter()
        r = restore(restore_input(it), model, quiet=True)
        out[it['name']] = {'candidates': {'': np.asarray(getattr(r, 'data', r), np.float32)}, 'seconds': time.perf_counter() - t}
    out['_info'] = dict(model=str(model.source), steps=model.info.get('step'))
    return out


METHODS = dict(input=m_input, gaussian=m_gaussian, bm3d=m_bm3d, care=m_care, tkrem=m_tkrem, ours=m_ours, pretrained=m_pretrained)
LABELS = dict(input='input (1 µs)', gaussian='Gaussian σ swept (oracle)', bm3d='BM3D 4.0.3 σ swept (oracle)',
              care='CAREamics 0.3.5 CARE', tkrem='tk-r-em 1.0.4 sfr_lr/hrstem (oracle)', ours='lowdose_stem',
              pretrained='lowdose_stem pretrained (no training on the suite)')

# ---------------------------------------------------------------------------------------------------------- results
def evaluate_method(name: str, raw: dict, items: list, bands: dict) -> dict:
    "Score every candidate; keep the best by PSNR against the reference (the oracle pick of a sweep)."
    rows = {}
    for it in items:
        r = raw.get(it['name'])
        if r is None: continue
        best = None
        for label, arr in r['candidates'].items():
            s = score(it['images'](arr), it['px'], bands[it['name']])
            if best is None or s['psnr_c'] > best[1]['psnr_c']: best = (label, s, arr)
        rows[it['name']] = dict(best[1], setting=best[0], seconds=r['seconds'])
    return rows


def _crop(a: np.ndarray, side: int = 96) -> np.ndarray:
    "The centred side² crop shown in the figure."
    y, x = (max(0, n // 2 - side // 2) for n in a.shape)
    return np.asarray(a[y:y + side, x:x + side], np.float32)


def save_result(res_dir: Path, name: str, rows: dict, info: dict, full: dict):
    "The rows, run info and each image's chosen restoration (input units), so scores can be recomputed."
    res_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(res_dir / f"{name}.npz", **full)
    (res_dir / f"{name}.json").write_text(json.dumps(dict(rows=rows, info=info), indent=1, default=str))


def load_results(res_dir: Path) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in sorted(res_dir.glob('*.json'))}


def cached_restorations(root: Path, methods: str) -> dict:
    "The cached restorations (`save_result`'s .npz, image name → array) of those of the comma-separated `methods` that have run."
    files = {m: root / 'results' / f'{m}.npz' for m in methods.split(',')}
    return {m: np.load(f) for m, f in files.items() if f.exists()}


COLS = [('psnr_t', 'PSNR vs target', '{:.2f}'), ('ssim_t', 'SSIM vs target', '{:.3f}'),
        ('psnr_c', 'PSNR vs ref', '{:.2f}'), ('ssim_c', 'SSIM vs ref', '{:.3f}'),
        ('psnr_c_raw', 'PSNR vs ref, no match', '{:.2f}'), ('frc_nm', 'FRC ½-bit vs target (nm)', '{:.3f}'),
        ('frc_band', 'FRC in detail band', '{:.3f}'), ('seconds', 'restore s', '{:.1f}')]


def _order(names):
    return sorted(names, key=lambda n: (ALL_METHODS.index(n.split('-')[0]) if n.split('-')[0] in ALL_METHODS else 50, n))


def mean_row(rows: dict, items: list, keys) -> dict:
    "Each score of `keys` averaged over the validation images (`rows`: image name → scores, one method's)."
    return {k: float(np.mean([rows[it['name']][k] for it in items])) for k in keys}


def table(results: dict, items: list, bands: dict, target_rows: dict) -> str:
    names = _order(results)
    lines = []
    head = '| method | setting | ' + ' | '.join(c[1] for c in COLS) + ' |'
    sep = '|---|---|' + '---|' * len(COLS)
    for it in items + [None]:
        key = it['name'] if it else 'mean'
        if it:
            b = bands[key]
            lines += [f"\n**{key}** ({it['px']:.4g} nm/px, {it['input'].shape[0]}×{it['input'].shape[1]}; detail band "
                      f"{b[0]:.3f}–{b[1]:.3f} cycles/px = {it['px'] / b[1]:.3f}–{it['px'] / b[0]:.3f} nm)\n", head, sep]
        else:
            lines += [f"\n**mean over the {len(items)} images**\n", head, sep]
        rows = []
        for n in names:
            rr = results[n]['rows']
            if it:
                if key not in rr: continue
                r = rr[key]
            else:
                if not all(i['name'] in rr for i in items): continue
                r = mean_row(rr, items, [c[0] for c in COLS])
                r['setting'] = ''
            label = LABELS.get(n, n) if n in LABELS else f"lowdose_stem `{n}`" if n.startswith(('ours', 'pretrained')) else n
            rows.append(f"| {label} | {r.get('setting', '')} | " + ' | '.join(f.format(r[c]) for c, _, f in COLS) + ' |')
        tr = target_rows.get(key)
        if tr is not None:
            rows.append('| *4 µs target itself* | | | | ' + ' | '.join(f.format(tr[c]) if c in tr and np.isfinite(tr[c]) else '' for c, _, f in COLS[2:]) + ' |')
        lines += rows
    notes = [f"- {n}: " + ('; '.join(f"{k} {v}" for k, v in results[n]['info'].items())) for n in names if results[n].get('info')]
    return '\n'.join(lines) + ('\n\nRuns:\n' + '\n'.join(notes) if notes else '')


def compact_table(results: dict, items: list, columns: list) -> str:
    """One row per image and the mean, one column per `columns` entry, a row's name or `name=label`: PSNR vs ref / SSIM
    vs ref / band FRC (the model card's and the README's form)."""
    names, labels = zip(*[(c.split('=', 1) + [LABELS.get(c, c)])[:2] for c in columns])
    if missing := [n for n in names if n not in results]: raise SystemExit(f"--compact: no results for {missing}; run them first")
    cell = lambda r: f"{r['psnr_c']:.2f} / {r['ssim_c']:.3f} / {r['frc_band']:.3f}"
    lines = ['| image | ' + ' | '.join(labels) + ' |', '|---|' + '---|' * len(names)]
    for it in items:
        lines.append(f"| {it['name']} | " + ' | '.join(cell(results[n]['rows'][it['name']]) for n in names) + ' |')
    return '\n'.join(lines + ['| **mean** | ' + ' | '.join(cell(mean_row(results[n]['rows'], items, ('psnr_c', 'ssim_c', 'frc_band'))) for n in names) + ' |'])


def target_scores(items, bands) -> dict:
    "The 4 µs target (mean of four frames) scored against the reference: the dose's own limit."
    out = {}
    for it in items:
        im = it['images'](it['input'] if it['dwell'] is None else it['input'])
        s = score(dict(im, restored=im['target']), it['px'], bands[it['name']])
        s.pop('frc_nm')  # against itself
        if 'indep' in im: s['frc_band'] = float('nan')  # the target is the independent reference here
        out[it['name']] = s
    keys = [k for k in out[items[0]['name']]] if out else []
    if len(out) == len(items) and out: out['mean'] = {k: float(np.nanmean([out[i['name']][k] for i in items])) for k in keys}
    return out


def figure(path: Path, results: dict, items: list, crop: int = 96):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = _order(results)
    cols = ['target', 'clean'] + names
    fig, axes = plt.subplots(len(items), len(cols), figsize=(1.25 * len(cols), 1.35 * len(items)), squeeze=False)
    for i, it in enumerate(items):
        ref = it['_crops']['clean']
        lo, hi = np.percentile(ref, (0.5, 99.5))
        for j, c in enumerate(cols):
            a = it['_crops'].get(c)
            ax = axes[i, j]; ax.set_xticks([]); ax.set_yticks([])
            if a is not None: ax.imshow(a, cmap='gray', vmin=lo, vmax=hi, interpolation='nearest')
            if i == 0: ax.set_title({'clean': 'reference', 'target': '4 µs target'}.get(c, c), fontsize=7)
            if j == 0: ax.set_ylabel(it['name'], fontsize=7)
    fig.tight_layout(pad=0.2)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    from PIL import Image
    Image.open(path).convert('L').save(path, optimize=True)  # grey panels: an 8-bit grey PNG is a third of the RGBA one


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--methods', default='all', help=f"comma-separated subset of {','.join(ALL_METHODS)} to (re)run, 'all' or 'none' (only the table and figure); the others come from the cache")
    ap.add_argument('--black-level', type=float, default=100.0, help="the read-out's black level left in every acquired image, counts (0: none, the signal above it); each value has its own suite")
    ap.add_argument('--budget-s', type=float, default=180.0, help="ours' training wall time, s (CARE gets what ours used)")
    ap.add_argument('--ours-config', default='{}', help='JSON merged into the default TrainConfig, e.g. \'{"w_pixel": 1.0}\'')
    ap.add_argument('--ours-base', choices=('default', 'method'), default='default',
                    help="what --ours-config is merged into: TrainConfig() or TrainConfig.method() (the method's loss; the default before 82ac890)")
    ap.add_argument('--ours-name', default='ours', help='name of this row of ours in the cache and the table (e.g. ours-l2)')
    ap.add_argument('--ours-epochs', type=int, default=8, help='epochs the budget is split into (unless --ours-config sets epochs/max_steps_per_epoch)')
    ap.add_argument('--care-budget-s', type=float, default=None, help="CARE's training time, s (default: ours' last measured training time, else --budget-s)")
    ap.add_argument('--pretrained', default='pretrained', help="the `pretrained` method's checkpoint (default: the package's pretrained model)")
    ap.add_argument('--pretrained-name', default='pretrained', help='name of this row of the pretrained method in the cache and the table (e.g. pretrained-4k)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--cache', type=Path, default=HERE / '.cache')
    ap.add_argument('--rebuild', action='store_true', help='rebuild the suite (drops every cached result of it)')
    ap.add_argument('--figure', type=Path, default=HERE / 'quality.png')
    ap.add_argument('--out', type=Path, default=None, help='markdown table file (default: <suite>/table.md)')
    ap.add_argument('--compact', default=None, help="also print a compact table of these comma-separated rows, each NAME or NAME=LABEL, e.g. input,gaussian,bm3d,tkrem,pretrained (PSNR vs ref / SSIM vs ref / band FRC)")
    a = ap.parse_args()

    from lowdose_stem.io import real_data_dir
    real = real_data_dir()
    if real is not None and not (real / 'nanoparticles_5frames.tif').exists(): real = None
    root = a.cache / f"suite-bl{a.black_level:g}"
    if a.rebuild and root.exists(): shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    build_suite(root, a.black_level, real)
    items = validation_items(root)
    bands = {it['name']: item_band(it) for it in items}
    res_dir = root / 'results'
    methods = list(ALL_METHODS) if a.methods == 'all' else [] if a.methods == 'none' else [m.strip() for m in a.methods.split(',')]
    bad = set(methods) - set(ALL_METHODS)
    if bad: raise SystemExit(f"--methods: unknown {sorted(bad)}; choose from {ALL_METHODS}")
    ctx = dict(root=root, work=root / 'work', threads=a.threads, budget_s=a.budget_s, ours_config=json.loads(a.ours_config), ours_base=a.ours_base,
               ours_name=a.ours_name, ours_epochs=a.ours_epochs, pretrained=a.pretrained)
    ours_prev = res_dir / 'ours.json'
    timings = {}
    # ours first, so that CARE can get the same wall time
    for m in sorted(methods, key=lambda m: m != 'ours'):
        name = a.ours_name if m == 'ours' else a.pretrained_name if m == 'pretrained' else m
        if m == 'care':
            if a.care_budget_s: ctx['care_budget_s'] = a.care_budget_s
            elif ours_prev.exists(): ctx['care_budget_s'] = json.loads(ours_prev.read_text())['info'].get('train_s', a.budget_s)
            else: ctx['care_budget_s'] = a.budget_s
        log(f"[{name}] running")
        t = time.perf_counter()
        raw = METHODS[m](items, ctx)
        timings[name] = time.perf_counter() - t
        if '_error' in raw:
            log(f"[{name}] NOT RUN: {raw['_error']}")
            continue
        rows = evaluate_method(name, raw, items, bands)
        info = dict(raw.get('_info', {}), method_wall_s=round(timings[name], 1))
        full = {it['name']: np.asarray(raw[it['name']]['candidates'][rows[it['name']]['setting']], np.float32) for it in items}
        save_result(res_dir, name, rows, info, full)
        log(f"[{name}] done in {timings[name]:.0f} s")
    results = load_results(res_dir)
    for n, r in results.items():  # scores from the cached restorations (the oracle's pick stays as it was made)
        f = res_dir / f"{n}.npz"
        z = np.load(f) if f.exists() else None
        for it in items:
            if z is None or it['name'] not in z.files or it['name'] not in r['rows']: continue
            im = it['images'](z[it['name']])
            r['rows'][it['name']].update(score(im, it['px'], bands[it['name']]))
            it.setdefault('_crops', {})[n] = _crop(intensity_match(im['restored'], im['clean']))
    for it in items:  # crops of the references for the figure
        im = it['images'](it['input'])
        it.setdefault('_crops', {}).update(target=_crop(intensity_match(im['target'], im['clean'])), clean=_crop(im['clean']))
    md = table(results, items, bands, target_scores(items, bands))
    out = a.out or root / 'table.md'
    out.write_text(md + '\n')
    figure(a.figure, results, items)
    log(md)
    if a.compact: log('\n' + compact_table(results, items, [n.strip() for n in a.compact.split(',')]))
    log(f"\ntable: {out}\nfigure: {a.figure}\nsuite: {root}")


if __name__ == '__main__':
    main()
