#!/usr/bin/env python3
"""Steps per second of CartPole as gymnasium runs it, for bench/policy/run.sh.

With gymnasium importable, times gymnasium's own CartPole-v1 (env.step, random actions,
reset on termination). Without it (this machine cannot install it), times a NumPy
transcription of gymnasium's CartPoleEnv.step: the same equations, the state kept in a
float64 NumPy array and the observation returned as a float32 array, as gymnasium does.
Prints "<name>\t<steps per second>", best of 5 rounds.
"""
import math
import sys
import time

import numpy as np


class CartPoleNumpy:
    """gymnasium.envs.classic_control.CartPoleEnv's step and reset, transcribed."""

    def __init__(self, seed):
        self.gravity, self.masscart, self.masspole = 9.8, 1.0, 0.1
        self.total_mass = self.masspole + self.masscart
        self.length = 0.5
        self.polemass_length = self.masspole * self.length
        self.force_mag, self.tau = 10.0, 0.02
        self.theta_threshold_radians = 12 * 2 * math.pi / 360
        self.x_threshold = 2.4
        self.np_random = np.random.default_rng(seed)
        self.state = None

    def reset(self):
        self.state = self.np_random.uniform(low=-0.05, high=0.05, size=(4,))
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = np.cos(theta), np.sin(theta)
        temp = (force + self.polemass_length * np.square(theta_dot) * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * np.square(costheta) / self.total_mass))
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = np.array((x, x_dot, theta, theta_dot), dtype=np.float64)
        terminated = bool(x < -self.x_threshold or x > self.x_threshold
                          or theta < -self.theta_threshold_radians
                          or theta > self.theta_threshold_radians)
        return np.array(self.state, dtype=np.float32), 1.0, terminated, False, {}


def make():
    try:
        import gymnasium
        env = gymnasium.make("CartPole-v1").unwrapped  # no time limit, no checker wrappers
        env.reset(seed=1)
        return "gymnasium_%s" % gymnasium.__version__, env
    except ImportError:
        env = CartPoleNumpy(1)
        env.reset()
        return "numpy_transcription_numpy_%s" % np.__version__, env


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    name, env = make()
    rng = np.random.default_rng(1)
    best = 0.0
    for _ in range(5):
        actions = rng.integers(0, 2, size=n)
        t0 = time.perf_counter()
        for a in actions:
            _, _, terminated, _, _ = env.step(int(a))
            if terminated:
                env.reset()
        best = max(best, n / (time.perf_counter() - t0))
    print("cartpole_%s_steps_per_second\t%.0f" % (name, best))


if __name__ == "__main__":
    main()
