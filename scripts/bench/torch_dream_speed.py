"""PyTorch (CPU, one thread) timings of the DREAM updates `metaexplore bench dream` times.

The same computation as MetaExplore's `DREAMLearner` with the DREAM authors' network sizes on the distracting-bus
world (observation (x, y, status) with vocabularies 9, 9, 4; instruction (x, y) with 9, 9; 9 actions; 576 problem
ids), batch 32 sequences x SEQ steps (50 by default), exploration trajectories of the same length:

  exploitation  one gradient step of the exploitation policy, f and g: the recurrent dueling Q-network (grid
                embeddings 32 per component -> 256 -> 64 for observation and instruction, Linear 64, LSTM cell 64,
                [h, z] -> 256 -> 64, V and A heads) unrolled over SEQ + 1 inputs, online and target (the target
                conditioned on its own f + noise), double-DQN targets, masked squared TD error; g (state embedding
                64 of s and s', action embedding 32, 160 -> 128 -> 64, LSTM 128, 128 -> 128 -> 64 for every prefix)
                over the exploration trajectories with z = g(tau) for the online network; the bottleneck loss
                |g(tau:t) - stopgrad f|^2 over every prefix and the norm penalty mean max(|f|^2, 10); backward,
                gradient-norm clip 10, Adam 1e-4
  exploration   one gradient step of the exploration policy: rewards relabeled with g and f (no gradient),
                the recurrent dueling Q-network (observation 64 and previous action 16 -> Linear 64 -> LSTM 64 ->
                V, A) online and target over SEQ + 1 inputs, double-DQN targets, masked loss, clip 10, Adam 1e-4
Prints exploitation_update_ms=, exploration_update_ms= (median wall-clock), the same with _cpu_ms (median process
CPU time) and a torch= line first.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

OBS_VOCAB = [9, 9, 4]
INSTRUCTION_VOCAB = [9, 9]
ACTIONS = 9
PROBLEMS = 576


class GridEmbedder(nn.Module):
    def __init__(self, vocab, out, component=32, hidden=256):
        super().__init__()
        self.tables = nn.ModuleList([nn.Embedding(v, component) for v in vocab])
        self.hidden = nn.Linear(component * len(vocab), hidden)
        self.out = nn.Linear(hidden, out)

    def forward(self, x):  # x: (..., components) long
        parts = [t(x[..., i]) for i, t in enumerate(self.tables)]
        return self.out(F.relu(self.hidden(torch.cat(parts, -1))))


class QNetwork(nn.Module):
    """Dueling recurrent Q-network; exploitation: observation + instruction and z after the LSTM; exploration:
    observation + previous action."""

    def __init__(self, exploitation):
        super().__init__()
        self.exploitation = exploitation
        self.obs = GridEmbedder(OBS_VOCAB, 64)
        if exploitation:
            self.instruction = GridEmbedder(INSTRUCTION_VOCAB, 64)
            self.experience = nn.Linear(128, 64)
            self.mix_hidden = nn.Linear(64 + 64, 256)
            self.mix_out = nn.Linear(256, 64)
        else:
            self.action = nn.Embedding(ACTIONS + 1, 16)
            self.experience = nn.Linear(64 + 16, 64)
        self.cell = nn.LSTMCell(64, 64)
        self.value = nn.Linear(64, 1)
        self.advantage = nn.Linear(64, ACTIONS)

    def forward(self, obs, second, z=None):  # obs (B, T, 3); second: instruction (B, T, 2) or prev action (B, T)
        parts = [self.obs(obs)]
        parts.append(self.instruction(second) if self.exploitation else self.action(second))
        e = self.experience(F.relu(torch.cat(parts, -1)))
        b, t = obs.shape[0], obs.shape[1]
        h = torch.zeros(b, 64)
        c = torch.zeros(b, 64)
        outs = []
        for i in range(t):
            h, c = self.cell(e[:, i], (h, c))
            outs.append(h)
        x = torch.stack(outs, 1)
        if self.exploitation:
            x = self.mix_out(F.relu(self.mix_hidden(torch.cat([x, z.unsqueeze(1).expand(-1, t, -1)], -1))))
        a = self.advantage(x)
        return self.value(x) + a - a.mean(-1, keepdim=True)


class ProblemEmbedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(PROBLEMS, 32)
        self.out = nn.Linear(32, 64)

    def forward(self, ids):
        return self.out(self.table(ids))


class TrajectoryEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.state = GridEmbedder(OBS_VOCAB, 64)
        self.action = nn.Embedding(ACTIONS, 32)
        self.t_hidden = nn.Linear(64 * 2 + 32, 128)
        self.t_out = nn.Linear(128, 64)
        self.cell = nn.LSTMCell(64, 128)
        self.c_hidden = nn.Linear(128, 128)
        self.c_out = nn.Linear(128, 64)

    def forward(self, obs, actions, next_obs):  # (B, T, 3), (B, T), (B, T, 3) -> contexts (B, T + 1, 64)
        e = self.t_out(F.relu(self.t_hidden(torch.cat([self.state(obs), self.state(next_obs), self.action(actions)], -1))))
        b, t = obs.shape[0], obs.shape[1]
        h = torch.zeros(b, 128)
        c = torch.zeros(b, 128)
        hs = [h]
        for i in range(t):
            h, c = self.cell(e[:, i], (h, c))
            hs.append(h)
        return self.c_out(F.relu(self.c_hidden(torch.stack(hs, 1))))


def td_loss(q, q_target, actions, rewards, done, mask, discount=0.99):
    current = q[:, :-1].gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    best = q[:, 1:].argmax(-1, keepdim=True)
    next_value = q_target[:, 1:].gather(-1, best).squeeze(-1)
    targets = (rewards + discount * next_value * (1 - done)).detach()
    return (((current - targets) ** 2) * mask).sum() / mask.sum()


def random_batch(gen, batch, seq):
    def obs(t):
        return torch.stack([torch.randint(v, (batch, t), generator=gen) for v in OBS_VOCAB], -1)
    data = {
        "obs": obs(seq + 1),
        "instruction": torch.stack([torch.randint(v, (batch, seq + 1), generator=gen) for v in INSTRUCTION_VOCAB], -1),
        "prev_action": torch.randint(ACTIONS + 1, (batch, seq + 1), generator=gen),
        "actions": torch.randint(ACTIONS, (batch, seq), generator=gen),
        "rewards": torch.rand(batch, seq, generator=gen) - 0.5,
        "done": torch.zeros(batch, seq),
        "mask": torch.ones(batch, seq),
        "ids": torch.randint(PROBLEMS, (batch,), generator=gen),
        "x_obs": obs(seq),
        "x_next": obs(seq),
        "x_actions": torch.randint(ACTIONS, (batch, seq), generator=gen),
    }
    data["done"][:, -1] = 1
    return data


def median_ms(fn, repeats):
    """Median wall-clock and median process CPU milliseconds per call, after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter_ns(), time.process_time_ns()
        fn()
        cpu.append((time.process_time_ns() - cpu_start) / 1e6)
        wall.append((time.perf_counter_ns() - start) / 1e6)
    wall.sort()
    cpu.sort()
    return wall[len(wall) // 2], cpu[len(cpu) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--sequence", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    d = random_batch(gen, args.batch, args.sequence)

    exploiter, exploiter_target = QNetwork(True), QNetwork(True)
    exploiter_target.load_state_dict(exploiter.state_dict())
    f, f_target, g = ProblemEmbedder(), ProblemEmbedder(), TrajectoryEncoder()
    f_target.load_state_dict(f.state_dict())
    exploit_params = list(exploiter.parameters()) + list(f.parameters()) + list(g.parameters())
    exploit_opt = torch.optim.Adam(exploit_params, lr=1e-4)

    explorer, explorer_target = QNetwork(False), QNetwork(False)
    explorer_target.load_state_dict(explorer.state_dict())
    explore_opt = torch.optim.Adam(explorer.parameters(), lr=1e-4)

    def exploitation_update():
        contexts = g(d["x_obs"], d["x_actions"], d["x_next"])
        fz = f(d["ids"])
        z = contexts[:, -1]
        with torch.no_grad():
            zt = f_target(d["ids"]) + 0.1 * torch.randn(args.batch, 64)
            qt = exploiter_target(d["obs"], d["instruction"], zt)
        q = exploiter(d["obs"], d["instruction"], z)
        loss = td_loss(q, qt, d["actions"], d["rewards"], d["done"], d["mask"])
        bottleneck = ((contexts - fz.detach().unsqueeze(1)) ** 2).sum(-1).mean()
        norm = torch.clamp((fz ** 2).sum(-1), min=10).mean()
        total = loss + bottleneck + norm
        exploit_opt.zero_grad()
        total.backward()
        torch.nn.utils.clip_grad_norm_(exploit_params, 10)
        exploit_opt.step()

    def exploration_update():
        with torch.no_grad():
            contexts = g(d["x_obs"], d["x_actions"], d["x_next"])
            distances = ((contexts - f(d["ids"]).unsqueeze(1)) ** 2).sum(-1)
            rewards = distances[:, :-1] - distances[:, 1:] - 0.1
            qt = explorer_target(d["obs"], d["prev_action"])
        q = explorer(d["obs"], d["prev_action"])
        loss = td_loss(q, qt, d["actions"], rewards, d["done"], d["mask"])
        explore_opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(explorer.parameters(), 10)
        explore_opt.step()

    print(f"torch={torch.__version__}")
    exploit = median_ms(exploitation_update, args.repeats)
    explore = median_ms(exploration_update, args.repeats)
    print(f"exploitation_update_ms={exploit[0]:.3f}")
    print(f"exploration_update_ms={explore[0]:.3f}")
    print(f"exploitation_update_cpu_ms={exploit[1]:.3f}")
    print(f"exploration_update_cpu_ms={explore[1]:.3f}")


if __name__ == "__main__":
    main()
