"""PyTorch (CPU, one thread) timings of the computations `metaexplore bench engine` times.

Each measurement is the same computation as the engine's (same shapes, layers, losses, optimizers):
  mlp   the 64-64 ReLU MLP (64 inputs, 64 outputs), forward + backward of mean(y^2) at batch 64
  ddpg  one full DDPG update: obs 17, act 6, batch 64, 64-64 actor and critic with LayerNorm (baselines' DDPG:
        the critic takes the action after its first hidden layer), target networks, critic Adam 1e-3 with L2 1e-2 on
        the hidden weight matrices, actor Adam 1e-4, critic step, actor step (only the actor's gradients are
        computed, as the engine does), Polyak averaging tau 0.01 of both target networks
  td3   one TD3 update (Fujimoto et al. 2018): 400-300 ReLU actor and twin critics, batch 256, obs 17, act 6,
        target policy smoothing, clipped double Q, actor and target updates every second call (the reported time
        is the mean over both kinds of call)
  gauss gradient of -mean(log N(a; mu(s), sigma) * advantage) for a 100-100 tanh Gaussian MLP policy with a
        state-independent log-std, obs 17, act 6, batch 16000 (the meta-policy-gradient family's shape)
Prints one line per measurement: name_us=<median microseconds per call>, and a torch= line first.
"""
import argparse
import copy
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median_us(fn, repeats, iterations):
    for _ in range(max(1, iterations // 4)):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(iterations):
            fn()
        samples.append((time.perf_counter_ns() - start) / 1000 / iterations)
    samples.sort()
    return samples[len(samples) // 2]


class Actor(nn.Module):
    def __init__(self, obs, act, hidden=64):
        super().__init__()
        self.l0, self.n0 = nn.Linear(obs, hidden), nn.LayerNorm(hidden)
        self.l1, self.n1 = nn.Linear(hidden, hidden), nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, act)

    def forward(self, s):
        h = F.relu(self.n0(self.l0(s)))
        h = F.relu(self.n1(self.l1(h)))
        return torch.tanh(self.out(h))


class Critic(nn.Module):
    def __init__(self, obs, act, hidden=64):
        super().__init__()
        self.l0, self.n0 = nn.Linear(obs, hidden), nn.LayerNorm(hidden)
        self.l1, self.n1 = nn.Linear(hidden + act, hidden), nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, s, a):
        h = F.relu(self.n0(self.l0(s)))
        h = torch.cat([h, a], dim=1)
        h = F.relu(self.n1(self.l1(h)))
        return self.out(h)


def ddpg_update_fn(obs=17, act=6, batch=64):
    actor, critic = Actor(obs, act), Critic(obs, act)
    target_actor, target_critic = copy.deepcopy(actor), copy.deepcopy(critic)
    for p in list(target_actor.parameters()) + list(target_critic.parameters()):
        p.requires_grad_(False)
    decay = [critic.l0.weight, critic.l1.weight]
    rest = [p for p in critic.parameters() if all(p is not q for q in decay)]
    critic_opt = torch.optim.Adam([{"params": decay, "weight_decay": 1e-2}, {"params": rest, "weight_decay": 0.0}],
                                  lr=1e-3)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-4)
    actor_params, critic_params = list(actor.parameters()), list(critic.parameters())
    target_params = list(target_actor.parameters()) + list(target_critic.parameters())
    source_params = actor_params + critic_params
    s, s2 = torch.randn(batch, obs), torch.randn(batch, obs)
    a = torch.rand(batch, act) * 2 - 1
    r, done = torch.randn(batch, 1), torch.zeros(batch, 1)

    def update():
        with torch.no_grad():
            y = r + (1 - done) * target_critic(s2, target_actor(s2)) * 0.99
        critic_loss = (critic(s, a) - y).pow(2).mean()
        grads = torch.autograd.grad(critic_loss, critic_params)
        for p, g in zip(critic_params, grads):
            p.grad = g
        critic_opt.step()
        actor_loss = -critic(s, actor(s)).mean()
        grads = torch.autograd.grad(actor_loss, actor_params)  # the actor's gradients only
        for p, g in zip(actor_params, grads):
            p.grad = g
        actor_opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(target_params, source_params, 0.01)

    return update


def mlp(sizes, activation, final_activation=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    if final_activation:
        layers.append(final_activation())
    return nn.Sequential(*layers)


def td3_update_fn(obs=17, act=6, batch=256):
    actor = mlp([obs, 400, 300, act], nn.ReLU, nn.Tanh)
    critic1, critic2 = mlp([obs + act, 400, 300, 1], nn.ReLU), mlp([obs + act, 400, 300, 1], nn.ReLU)
    targets = [copy.deepcopy(m) for m in (actor, critic1, critic2)]
    for m in targets:
        for p in m.parameters():
            p.requires_grad_(False)
    target_actor, target_critic1, target_critic2 = targets
    actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)
    critic_params = list(critic1.parameters()) + list(critic2.parameters())
    critic_opt = torch.optim.Adam(critic_params, lr=1e-3)
    actor_params = list(actor.parameters())
    target_params = [p for m in targets for p in m.parameters()]
    source_params = actor_params + critic_params
    s, s2 = torch.randn(batch, obs), torch.randn(batch, obs)
    a = torch.rand(batch, act) * 2 - 1
    r, done = torch.randn(batch, 1), torch.zeros(batch, 1)
    calls = [0]

    def update():
        with torch.no_grad():
            noise = (torch.randn(batch, act) * 0.2).clamp(-0.5, 0.5)
            a2 = (target_actor(s2) + noise).clamp(-1, 1)
            x2 = torch.cat([s2, a2], dim=1)
            y = r + (1 - done) * torch.minimum(target_critic1(x2), target_critic2(x2)) * 0.99
        x = torch.cat([s, a], dim=1)
        loss = (critic1(x) - y).pow(2).mean() + (critic2(x) - y).pow(2).mean()
        grads = torch.autograd.grad(loss, critic_params)
        for p, g in zip(critic_params, grads):
            p.grad = g
        critic_opt.step()
        calls[0] += 1
        if calls[0] % 2 == 0:
            actor_loss = -critic1(torch.cat([s, actor(s)], dim=1)).mean()
            grads = torch.autograd.grad(actor_loss, actor_params)
            for p, g in zip(actor_params, grads):
                p.grad = g
            actor_opt.step()
            with torch.no_grad():
                torch._foreach_lerp_(target_params, source_params, 0.005)

    return update


def gauss_grad_fn(obs=17, act=6, batch=16000):
    policy = mlp([obs, 100, 100, act], nn.Tanh)
    log_std = nn.Parameter(torch.zeros(act))
    params = list(policy.parameters()) + [log_std]
    s, a, adv = torch.randn(batch, obs), torch.randn(batch, act), torch.randn(batch)
    half_log_two_pi = 0.9189385332046727

    def grad():
        mean = policy(s)
        z = (a - mean) * torch.exp(-log_std)
        logp = (z.pow(2) * -0.5 - log_std - half_log_two_pi).sum(dim=-1)
        loss = -(logp * adv).mean()
        torch.autograd.grad(loss, params)

    return grad


def mlp_fn():
    net = mlp([64, 64, 64, 64], nn.ReLU)
    params = list(net.parameters())
    x = torch.randn(64, 64)

    def step():
        loss = net(x).pow(2).mean()
        torch.autograd.grad(loss, params)

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--only", default="mlp,ddpg,td3,gauss")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"torch={torch.__version__} threads={torch.get_num_threads()} "
          f"flush_denormal=off capability={torch.backends.cpu.get_cpu_capability()}")
    wanted = args.only.split(",")
    # The large shapes take milliseconds per call: fewer calls per repeat keep the total time similar.
    plan = [("mlp", mlp_fn, 1, "mlp_64x64_forward_backward_batch64_us"),
            ("ddpg", ddpg_update_fn, 1, "ddpg_update_us"),
            ("td3", td3_update_fn, 10, "td3_400x300_update_batch256_us"),
            ("gauss", gauss_grad_fn, 40, "gaussian_100x100_logprob_grad_batch16000_us")]
    for key, make, divisor, name in plan:
        if key in wanted:
            fn = make()
            iterations = max(2, args.iterations // divisor)
            iterations += iterations % 2  # TD3 alternates two kinds of call
            print(f"{name}={median_us(fn, args.repeats, iterations):.2f}", flush=True)


if __name__ == "__main__":
    main()
