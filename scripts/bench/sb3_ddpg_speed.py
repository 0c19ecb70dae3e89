"""Stable-Baselines3 DDPG training speed on the setting of `metaexplore bench train`.

DDPG with 64-64 actor and critic, batch 64, one gradient step per environment step, PyTorch on one CPU thread.
Prints one JSON line per environment: {"env": ..., "steps": ..., "seconds": ..., "steps_per_second": ...}.
The timed part is `learn()` after a warm-up of `--learning-starts` random steps, so both sides time the same loop:
act (with noise), step the environment, store the transition, one update.
"""
import argparse
import json
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import DDPG
from stable_baselines3.common.noise import NormalActionNoise


def measure(env_id: str, steps: int, learning_starts: int, seed: int) -> dict:
    env = gym.make(env_id)
    n = env.action_space.shape[0]
    model = DDPG(
        "MlpPolicy",
        env,
        learning_rate=1e-3,
        buffer_size=max(steps + learning_starts, 10_000),
        learning_starts=learning_starts,
        batch_size=64,
        tau=0.01,
        gamma=0.99,
        train_freq=1,
        gradient_steps=1,
        action_noise=NormalActionNoise(np.zeros(n), 0.1 * np.ones(n)),
        policy_kwargs=dict(net_arch=[64, 64]),
        seed=seed,
        device="cpu",
        verbose=0,
    )
    # Warm-up: fill the buffer with random steps and pay one-time costs outside the timed region.
    model.learn(total_timesteps=learning_starts + 200)
    start = time.perf_counter()
    model.learn(total_timesteps=steps, reset_num_timesteps=False)
    seconds = time.perf_counter() - start
    return {"env": env_id, "steps": steps, "seconds": seconds, "steps_per_second": steps / seconds,
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--envs", default="Pendulum-v1,HalfCheetah-v5")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--learning-starts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for env_id in args.envs.split(","):
        print(json.dumps(measure(env_id, args.steps, args.learning_starts, args.seed)), flush=True)


if __name__ == "__main__":
    main()
