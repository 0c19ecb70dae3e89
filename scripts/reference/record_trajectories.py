#!/usr/bin/env python3
"""Records reference trajectories from Gymnasium for MetaExplore's environment cross-checks.

For each environment (and a few non-default keyword configurations): reset (seeded), then set a known initial state explicitly (MuJoCo: qpos/qvel through
`set_state`; Pendulum: `state`), then step with seeded random actions from the action space for STEPS steps,
resetting (and setting a recorded state again) after every termination or truncation.

Output per environment, `<name>.traj`: one line of JSON (the header), then little-endian float64 records:
  per episode: initial state (state_dim), initial observation (obs_dim), reset info values (len reset_info_keys)
  per step:    action (act_dim), observation (obs_dim), reward, terminated, truncated, info values (len info_keys)
Episode lengths are in the header, so the reader knows where each episode starts.

Usage: python3 scripts/reference/record_trajectories.py [output_dir]   (default: Tests/MetaExploreEnvironmentsTests/Fixtures)
"""
import json
import os
import struct
import sys

import gymnasium as gym
import mujoco
import numpy as np

GYMNASIUM_VERSION = "1.4.0"
MUJOCO_VERSION = "3.3.7"
STEPS = 1000
SEED = 2024

# (fixture name, id, max_episode_steps for recording or None for the registered default, keyword options, steps).
# HalfCheetah and Reacher never terminate, so shorter limits make the steps include truncations and resets. The
# "-options" fixtures check non-default keyword options (typed configurations on the Swift side).
ENVIRONMENTS = [
    ("Pendulum-v1", "Pendulum-v1", None, {}, STEPS),
    ("InvertedPendulum-v5", "InvertedPendulum-v5", None, {}, STEPS),
    ("InvertedDoublePendulum-v5", "InvertedDoublePendulum-v5", None, {}, STEPS),
    ("Reacher-v5", "Reacher-v5", None, {}, STEPS),
    ("Hopper-v5", "Hopper-v5", None, {}, STEPS),
    ("HalfCheetah-v5", "HalfCheetah-v5", 250, {}, STEPS),
    ("Walker2d-v5", "Walker2d-v5", None, {}, STEPS),
    ("Ant-v5", "Ant-v5", 400, {}, STEPS),
    ("HalfCheetah-v5-options", "HalfCheetah-v5", 100,
     {"ctrl_cost_weight": 0.25, "forward_reward_weight": 2.0, "reset_noise_scale": 0.2,
      "exclude_current_positions_from_observation": False}, 300),
    ("Hopper-v5-options", "Hopper-v5", None,
     {"healthy_angle_range": (-0.3, 0.3), "healthy_reward": 0.5, "ctrl_cost_weight": 0.01,
      "exclude_current_positions_from_observation": False, "frame_skip": 3}, 300),
    ("Ant-v5-options", "Ant-v5", 100,
     {"include_cfrc_ext_in_observation": False, "ctrl_cost_weight": 0.2, "healthy_z_range": (0.3, 1.2),
      "contact_cost_weight": 1e-3}, 300),
]


def swift_options(kwargs):
    """Keyword options as MetaExplore's numeric option dictionary (booleans 0/1, tuples as _low/_high)."""
    out = {}
    for key, value in kwargs.items():
        if isinstance(value, tuple):
            out[key + "_low"], out[key + "_high"] = float(value[0]), float(value[1])
        else:
            out[key] = float(value)
    return out


STEP_INFO_KEYS = {
    "Pendulum-v1": [],
    "InvertedPendulum-v5": ["reward_survive"],
    "InvertedDoublePendulum-v5": ["reward_survive", "distance_penalty", "velocity_penalty"],
    "Reacher-v5": ["reward_dist", "reward_ctrl"],
    "Hopper-v5": ["x_position", "z_distance_from_origin", "x_velocity", "reward_forward", "reward_ctrl", "reward_survive"],
    "HalfCheetah-v5": ["x_position", "x_velocity", "reward_forward", "reward_ctrl"],
    "Walker2d-v5": ["x_position", "z_distance_from_origin", "x_velocity", "reward_forward", "reward_ctrl", "reward_survive"],
    "Ant-v5": ["x_position", "y_position", "distance_from_origin", "x_velocity", "y_velocity", "reward_forward",
               "reward_ctrl", "reward_contact", "reward_survive"],
}
RESET_INFO_KEYS = {
    "Hopper-v5": ["x_position", "z_distance_from_origin"],
    "HalfCheetah-v5": ["x_position"],
    "Walker2d-v5": ["x_position", "z_distance_from_origin"],
    "Ant-v5": ["x_position", "y_position", "distance_from_origin"],
}


def check_versions():
    if gym.__version__ != GYMNASIUM_VERSION or mujoco.__version__ != MUJOCO_VERSION:
        sys.exit(f"need gymnasium=={GYMNASIUM_VERSION} and mujoco=={MUJOCO_VERSION}, found "
                 f"gymnasium=={gym.__version__} mujoco=={mujoco.__version__}; run `bash scripts/setup.sh`")


def set_known_state(env, env_id):
    """Reads the state the seeded reset produced and sets it explicitly; returns (state, observation, reset info)."""
    u = env.unwrapped
    if env_id == "Pendulum-v1":
        state = np.array(u.state, dtype=np.float64)
        u.state = state.copy()
        return state, u._get_obs().astype(np.float64), []
    qpos = u.data.qpos.copy()
    qvel = u.data.qvel.copy()
    u.set_state(qpos, qvel)
    info = u._get_reset_info()
    return np.concatenate([qpos, qvel]), u._get_obs(), [float(info[k]) for k in RESET_INFO_KEYS.get(env_id, [])]


def record(name, env_id, max_steps, options, total_steps, out_dir):
    kwargs = dict(options)
    if max_steps is not None:
        kwargs["max_episode_steps"] = max_steps
    env = gym.make(env_id, **kwargs)
    env.action_space.seed(SEED)
    info_keys = STEP_INFO_KEYS[env_id]
    reset_keys = RESET_INFO_KEYS.get(env_id, [])
    values = []
    episodes = []
    episode = 0
    steps = 0
    while steps < total_steps:
        env.reset(seed=SEED + episode)
        state, obs, reset_info = set_known_state(env, env_id)
        values += list(state) + list(np.asarray(obs, dtype=np.float64)) + reset_info
        length = 0
        while steps < total_steps:
            action = env.action_space.sample()
            obs, reward, terminated, truncated, info = env.step(action)
            values += list(action.astype(np.float64)) + list(np.asarray(obs, dtype=np.float64))
            values += [float(reward), float(bool(terminated)), float(bool(truncated))]
            values += [float(info[k]) for k in info_keys]
            length += 1
            steps += 1
            if terminated or truncated:
                break
        episodes.append(length)
        episode += 1
    header = {
        "id": env_id,
        "options": swift_options(options),
        "gymnasium": gym.__version__,
        "mujoco": mujoco.__version__,
        "seed": SEED,
        "max_episode_steps": env.spec.max_episode_steps,
        "state_dim": len(state),
        "obs_dim": int(env.observation_space.shape[0]),
        "act_dim": int(env.action_space.shape[0]),
        "info_keys": info_keys,
        "reset_info_keys": reset_keys,
        "episodes": episodes,
    }
    path = os.path.join(out_dir, f"{name}.traj")
    with open(path, "wb") as f:
        f.write((json.dumps(header) + "\n").encode())
        f.write(struct.pack(f"<{len(values)}d", *values))
    print(f"{name}: {steps} steps, {len(episodes)} episodes, {os.path.getsize(path)} bytes -> {path}")
    env.close()


def main():
    check_versions()
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "MetaExploreEnvironmentsTests", "Fixtures")
    os.makedirs(out_dir, exist_ok=True)
    for name, env_id, max_steps, options, total_steps in ENVIRONMENTS:
        record(name, env_id, max_steps, options, total_steps, out_dir)


if __name__ == "__main__":
    main()
