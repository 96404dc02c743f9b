#!/usr/bin/env python3
"""Writes the demand traces of the predictive benchmark (bench/predictive/predictive.sh).

Each trace is a level trace for `microscalectl simulate` (`seconds,app,value`), one row
per second for one app, `api`. Deterministic: the noise comes from a seeded generator, so
running this again gives the same files.

  ramp.csv   20 -> 500 over 20 min, held 10 min, back to 20 over 10 min
  sine.csv   a day: 250 - 200 cos(2 pi t / 86400), from the daily low, a row every 10 s
  spike.csv  a base of 50 with five spikes to 400 (30 s up, 60 s held, 30 s down), 2 h
  noisy.csv  200 with Gaussian noise (sd 30) and no trend, 2 h
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, values, every=1):
    """One row per `every` seconds (a value holds until the next row)."""
    with open(os.path.join(HERE, name), "w") as f:
        f.write("seconds,app,value\n")
        for t, v in enumerate(values):
            if t % every == 0:
                f.write(f"{t},api,{max(0.0, v):.3f}\n")


def ramp():
    up, hold, down = 1200, 600, 600
    out = [20 + 480 * t / up for t in range(up)]
    out += [500.0] * hold
    out += [500 - 480 * t / down for t in range(down)]
    return out + [20.0] * 300


def sine():
    return [250 - 200 * math.cos(2 * math.pi * t / 86400) for t in range(86400)]


def spike():
    out = [50.0] * 7200
    for start in (900, 2100, 3300, 4500, 5700):
        for i in range(120):
            if i < 30:
                v = 50 + 350 * i / 30
            elif i < 90:
                v = 400
            else:
                v = 400 - 350 * (i - 90) / 30
            out[start + i] = v
    return out


def noisy():
    rng = random.Random(13)
    return [200 + rng.gauss(0, 30) for _ in range(7200)]


if __name__ == "__main__":
    write("ramp.csv", ramp())
    write("sine.csv", sine(), every=10)
    write("spike.csv", spike())
    write("noisy.csv", noisy())
