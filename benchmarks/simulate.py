"""Speed of the simulator: a 2048² five-dwell series (specimen + 5 acquisitions) as a ratio to one 2048² FFT round trip
(numpy rfft2 + irfft2), both timed in this run. Usage: .venv/bin/python benchmarks/simulate.py [--size 2048]"""
import argparse, time
import numpy as np
from lowdose_stem.simulate import specimen, acquire, simulate_series, DEFAULT_BEAM_CURRENT_PA

def best(f, repeat=3):
    "Best wall time of `repeat` calls of f (s)."
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)

def main(size=2048, repeat=3):
    shape, img = (size, size), np.random.default_rng(0).random((size, size), dtype=np.float32)
    fft = best(lambda: np.fft.irfft2(np.fft.rfft2(img), s=shape), repeat)
    spec = specimen(shape)
    rows = [('FFT round trip (baseline)', fft),
            ('specimen', best(lambda: specimen(shape), repeat)),
            ('acquire 0.2 µs', best(lambda: acquire(spec, 0.2), repeat)),
            ('acquire 4 µs', best(lambda: acquire(spec, 4.0), repeat)),
            ('five-dwell series', best(lambda: simulate_series(shape), repeat))]
    print(f"{size}² images, best of {repeat}")
    print(f"{'what':<28}{'time (s)':>10}{'× FFT':>10}")
    for name, t in rows: print(f"{name:<28}{t:>10.3f}{t / fft:>10.1f}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--size', type=int, default=2048); p.add_argument('--repeat', type=int, default=3)
    main(**vars(p.parse_args()))
