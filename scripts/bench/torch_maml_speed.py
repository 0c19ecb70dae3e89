"""PyTorch (CPU, one thread) timing of what `metaexplore bench meta` times: one MAML-TRPO meta-iteration on
HalfCheetahDir (Gymnasium HalfCheetah-v5 with the direction reward), and one meta-batch of pre-update sampling.

The computation, matched to MetaExplore's `maml-trpo` on HalfCheetahDir-v1 (MAMLProcedure.advance):
  tasks       directions d in {-1, +1}, each with probability 1/2
  reward      a wrapper on HalfCheetah-v5: r = d * dx/dt - 0.05 * sum(clip(a, -1, 1)^2) (Gymnasium's info
              "x_velocity" is dx/dt of the root, as ours); same model, frame skip 5, reset noise, 17-d observation
  policy      100-100 ReLU MLP mean, state-independent log-std (sigma 1 at start), actions in [-1, 1] units, clipped
              before the environment (HalfCheetah's box is [-1, 1])
  sampling    waves of min(200, tasks*trajectories) episodes (task-major, as ours) on one vector environment; each
              step one batched forward of every live episode: one [n, 17] product for theta (pre-update), one batched
              (bmm) product over the wave's tasks with their own theta'_i (post-update); action noise and log-probs
              on the same step
  advantages  per task: discounted returns (gamma 0.99), linear feature baseline ([clip(s,+-10), clip(s,+-10)^2,
              t/100, (t/100)^2, (t/100)^3, 1], ridge 1e-5 escalating x10), GAE lambda 1, normalized per task
  inner step  REINFORCE loss -mean(log pi(a|s) * A), theta'_i = theta - 0.1 * grad (no graph while sampling)
  outer step  MAML-TRPO: surrogate -mean_i mean(pi_theta'_i(theta) / pi_old * A') and mean_i KL(old || new) on
              post-update samples, theta'_i rebuilt with create_graph=True; g by backward; Fisher-vector products
              (damping 1e-5) by double backward of the KL's gradient through the inner step (--fvp direct,
              pytorch-maml-rl's form) or in MetaExplore's factored form (--fvp factored: per task
              (I - a H_in) Hess KL (I - a H_in) v, the same matrix at the sampling parameters); 10 CG iterations
              (residual tolerance 1e-10); full step
              sqrt(2*0.01 / s'Hs) * s; backtracking x0.8 up to 15 trials (surrogate falls and KL <= 0.01, each trial
              rebuilding theta'_i without a graph), else restore theta.
  PyTorch gets pytorch-maml-rl's efficiencies where ours differs: the post-update forward while sampling is one bmm
  over tasks (ours: one product per task).

Vector environment: SyncVectorEnv by default (`--vector async` for AsyncVectorEnv). Fairest here: the meta-iteration
is compared with MetaExplore's sampler on one thread, and SyncVectorEnv steps on one core as well; AsyncVectorEnv
runs one process per environment (up to 200 on this 2-core machine) and pays a pipe round trip per step.

Prints torch=, gymnasium=, meta_sampling_1thread_s=, the iteration's phases and meta_iteration_s= (medians over
--repeats after one warm-up).
"""
import argparse
import math
import time

import gymnasium as gym
import numpy as np
import torch

torch.set_num_threads(1)
DTYPE = torch.float32
DEBUG = False
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class DirectionTask(gym.Wrapper):
    """HalfCheetahDir-v1's reward on HalfCheetah-v5: d * dx/dt - 0.05 * ||clip(a)||^2."""

    def __init__(self, env):
        super().__init__(env)
        self.direction = 1.0

    def step(self, action):
        obs, _, terminated, truncated, info = self.env.step(action)
        a = np.clip(action, -1.0, 1.0)
        reward = self.direction * info["x_velocity"] - 0.05 * float(np.dot(a, a))
        return obs, reward, terminated, truncated, info


def make_env():
    return DirectionTask(gym.make("HalfCheetah-v5"))


# ---------------------------------------------------------------------------------------------------- policy
def init_params(obs, act, hidden=(100, 100), seed=0):
    g = torch.Generator().manual_seed(seed)
    params, sizes = [], [obs, *hidden, act]
    for i, o in zip(sizes[:-1], sizes[1:]):
        bound = math.sqrt(6 / (i + o))
        params.append(((torch.rand(i, o, generator=g, dtype=DTYPE) * 2 - 1) * bound).requires_grad_())
        params.append(torch.zeros(o, dtype=DTYPE, requires_grad=True))
    params.append(torch.zeros(act, dtype=DTYPE, requires_grad=True))  # log-std
    return params


def mean_of(params, x):
    h = x
    n = (len(params) - 1) // 2
    for k in range(n):
        h = h @ params[2 * k] + params[2 * k + 1]
        if k < n - 1:
            h = torch.relu(h)
    return h


def log_prob(params, obs, act):
    mu, log_std = mean_of(params, obs), params[-1]
    z = (act - mu) * torch.exp(-log_std)
    return (-0.5 * z * z - log_std - LOG_SQRT_2PI).sum(-1)


def kl_old_new(old_mu, old_log_std, params, obs):
    mu, log_std = mean_of(params, obs), params[-1]
    var_ratio = torch.exp(2 * (old_log_std - log_std))
    t = ((old_mu - mu) * torch.exp(-log_std)) ** 2
    return (0.5 * (var_ratio + t - 1) - (old_log_std - log_std)).sum(-1).mean()


# ---------------------------------------------------------------------------------------------------- sampling
class Sampler:
    def __init__(self, copies, horizon, vector):
        cls = gym.vector.SyncVectorEnv if vector == "sync" else gym.vector.AsyncVectorEnv
        self.envs = cls([make_env for _ in range(copies)])
        self.copies, self.horizon = copies, horizon
        self.obs_size = self.envs.single_observation_space.shape[0]
        self.act_size = self.envs.single_action_space.shape[0]

    def sample(self, directions, per_task, params, rng, adapted=None):
        """Episodes of every task (task-major rows): obs [E, H, 17], act [E, H, 6], rew [E, H], logp [E, H]."""
        total, H = len(directions) * per_task, self.horizon
        obs_buf = np.zeros((total, H, self.obs_size), np.float32)
        act_buf = np.zeros((total, H, self.act_size), np.float32)
        rew_buf = np.zeros((total, H), np.float64)
        logp_buf = np.zeros((total, H), np.float32)
        std = [torch.exp(p[-1].detach()) for p in (adapted or [params])]
        start = 0
        while start < total:
            rows = np.arange(start, min(start + self.copies, total))
            n = len(rows)
            task_of = rows // per_task
            values = [float(directions[t]) for t in task_of] + [1.0] * (self.copies - n)
            self.envs.set_attr("direction", values)
            seeds = [int(s) for s in rng.integers(0, 2**31 - 1, self.copies)]
            obs, _ = self.envs.reset(seed=seeds)
            tasks_in_wave = np.unique(task_of)
            even = adapted is not None and all((task_of == t).sum() == per_task for t in tasks_in_wave)
            if adapted is not None and even:
                stacked = [torch.stack([adapted[t][k].detach() for t in tasks_in_wave]) for k in range(len(params) - 1)]
                std_rows = torch.stack([std[t] for t in task_of])
            with torch.no_grad():
                for t in range(H):
                    x = torch.from_numpy(obs[:n].astype(np.float32, copy=False))
                    if adapted is None:
                        mu, s = mean_of(params, x), std[0].expand(n, -1)
                    elif even:
                        h = x.view(len(tasks_in_wave), per_task, -1)
                        for k in range(len(stacked) // 2):
                            h = torch.baddbmm(stacked[2 * k + 1].unsqueeze(1), h, stacked[2 * k])
                            if k < len(stacked) // 2 - 1:
                                h = torch.relu(h)
                        mu, s = h.reshape(n, -1), std_rows
                    else:  # one product per task group (waves that split a task)
                        mu = torch.cat([mean_of(adapted[g], x[task_of == g]) for g in tasks_in_wave])
                        s = torch.stack([std[g] for g in task_of])
                    eps = torch.randn(n, self.act_size)
                    a = mu + s * eps
                    logp = (-0.5 * eps * eps - torch.log(s) - LOG_SQRT_2PI).sum(-1)
                    obs_buf[rows, t] = obs[:n]
                    an = a.numpy()
                    act_buf[rows, t] = an
                    logp_buf[rows, t] = logp.numpy()
                    full = np.zeros((self.copies, self.act_size), np.float32)
                    full[:n] = np.clip(an, -1.0, 1.0)
                    obs, rew, _, _, _ = self.envs.step(full)
                    rew_buf[rows, t] = rew[:n]
            start += n
        return obs_buf, act_buf, rew_buf, logp_buf


# ---------------------------------------------------------------------------------------------------- advantages
def advantages(obs, rew, gamma=0.99, lam=1.0):
    """obs [E, H, d], rew [E, H] of one task -> normalized GAE advantages [E*H] over a linear feature baseline."""
    E, H, d = obs.shape
    ret = np.zeros_like(rew)
    acc = np.zeros(E)
    for t in reversed(range(H)):
        acc = rew[:, t] + gamma * acc
        ret[:, t] = acc
    s = np.clip(obs.astype(np.float64), -10, 10)
    tau = np.broadcast_to((np.arange(H) / 100.0)[None, :, None], (E, H, 1))
    feats = np.concatenate([s, s * s, tau, tau ** 2, tau ** 3, np.ones((E, H, 1))], axis=2).reshape(E * H, -1)
    gram, rhs = feats.T @ feats, feats.T @ ret.reshape(-1)
    ridge = 1e-5
    for _ in range(5):
        try:
            L = np.linalg.cholesky(gram + ridge * np.eye(len(gram)))
            w = np.linalg.solve(L.T, np.linalg.solve(L, rhs))
            if np.all(np.isfinite(w)):
                break
        except np.linalg.LinAlgError:
            pass
        ridge *= 10
    values = (feats @ w).reshape(E, H)
    adv = np.zeros_like(rew)
    last = np.zeros(E)
    for t in reversed(range(H)):
        next_v = values[:, t + 1] if t + 1 < H else np.zeros(E)
        delta = rew[:, t] + gamma * next_v - values[:, t]
        last = delta + gamma * lam * last
        adv[:, t] = last
    adv = adv.reshape(-1)
    return (adv - adv.mean()) / (adv.std() + 1e-8)


# ---------------------------------------------------------------------------------------------------- MAML-TRPO
ALPHA, MAX_KL, CG_ITERS, DAMPING, RATIO, BACKTRACKS = 0.1, 0.01, 10, 1e-5, 0.8, 15


def inner_step(params, x, create_graph):
    if create_graph:
        loss = -(log_prob(params, x["obs"], x["act"]) * x["adv"]).mean()
        grads = torch.autograd.grad(loss, params, create_graph=True)
        return [p - ALPHA * g for p, g in zip(params, grads)]
    leaves = [p.detach().requires_grad_() for p in params]
    with torch.enable_grad():
        loss = -(log_prob(leaves, x["obs"], x["act"]) * x["adv"]).mean()
        grads = torch.autograd.grad(loss, leaves)
    return [(p - ALPHA * g).detach() for p, g in zip(leaves, grads)]


def task_inputs(params, obs, act, rew):
    E, H, d = obs.shape
    x = {"obs": torch.from_numpy(obs.reshape(E * H, d)), "act": torch.from_numpy(act.reshape(E * H, -1)),
         "adv": torch.from_numpy(advantages(obs, rew).astype(np.float32))}
    with torch.no_grad():
        x["old_logp"] = log_prob(params, x["obs"], x["act"])
        x["old_mu"], x["old_log_std"] = mean_of(params, x["obs"]), params[-1].detach().clone()
    return x


def surrogate_and_kl(params, inner, outer, create_graph):
    losses, kls = [], []
    for xi, xo in zip(inner, outer):
        p = inner_step(params, xi, create_graph)
        ratio = torch.exp(log_prob(p, xo["obs"], xo["act"]) - xo["old_logp"])
        losses.append(-(ratio * xo["adv"]).mean())
        kls.append(kl_old_new(xo["old_mu"], xo["old_log_std"], p, xo["obs"]))
    return torch.stack(losses).mean(), torch.stack(kls).mean()


def flat(ts):
    return torch.cat([t.reshape(-1) for t in ts])


def direct_fvp(params, kl):
    """pytorch-maml-rl's form: differentiate the KL's gradient, taken through the inner step, a second time."""
    kl_grads = flat(torch.autograd.grad(kl, params, create_graph=True))

    def fvp(v):
        return flat(torch.autograd.grad(kl_grads @ v, params, retain_graph=True)) + DAMPING * v
    return fvp


def factored_fvp(params, inner, outer):
    """MetaExplore's form (MetaObjective.outerKLHessianProduct): per task (I - a*H_in) * Hess KL(theta') * (I - a*H_in) v,
    three double-backward products of first-order graphs built once; the same matrix at the sampling parameters."""
    curvature = []
    for xi, xo in zip(inner, outer):
        leaves = [p.detach().requires_grad_() for p in params]
        loss = -(log_prob(leaves, xi["obs"], xi["act"]) * xi["adv"]).mean()
        g_in = torch.autograd.grad(loss, leaves, create_graph=True)
        q = [(p - ALPHA * g).detach().requires_grad_() for p, g in zip(leaves, g_in)]
        g_kl = torch.autograd.grad(kl_old_new(xo["old_mu"], xo["old_log_std"], q, xo["obs"]), q, create_graph=True)
        curvature.append((leaves, g_in, q, g_kl))

    def product(leaves, grads, u):
        return torch.autograd.grad(sum((g * x).sum() for g, x in zip(grads, u)), leaves, retain_graph=True)

    def fvp(v):
        vs, offset = [], 0
        for p in params:
            vs.append(v[offset:offset + p.numel()].view_as(p))
            offset += p.numel()
        total = torch.zeros_like(v)
        for leaves, g_in, q, g_kl in curvature:
            u = [x - ALPHA * h for x, h in zip(vs, product(leaves, g_in, vs))]
            w = product(q, g_kl, u)
            w = [x - ALPHA * h for x, h in zip(w, product(leaves, g_in, w))]
            total += flat(w)
        return total / len(curvature) + DAMPING * v
    return fvp


FVP = "direct"


def trpo_update(params, inner, outer):
    loss, kl = surrogate_and_kl(params, inner, outer, create_graph=True)
    loss_before = loss.item()
    g = flat(torch.autograd.grad(loss, params, retain_graph=True))
    fvp = direct_fvp(params, kl) if FVP == "direct" else factored_fvp(params, inner, outer)

    b = -g
    x, r, p = torch.zeros_like(b), b.clone(), b.clone()
    rr = r @ r
    for _ in range(CG_ITERS):
        if rr < 1e-10:
            break
        Ap = fvp(p)
        pap = p @ Ap
        if not (pap > 0):
            break
        a = rr / pap
        x, r = x + a * p, r - a * Ap
        rr_new = r @ r
        p, rr = r + (rr_new / rr) * p, rr_new
    shs = (x @ fvp(x)).item()
    if not (shs > 0 and math.isfinite(shs)):
        return 0.0, 0
    step = math.sqrt(2 * MAX_KL / shs) * x
    old = [q.detach().clone() for q in params]
    fraction, trials = 1.0, 0
    for _ in range(BACKTRACKS):
        trials += 1
        with torch.no_grad():
            offset = 0
            for q, o in zip(params, old):
                q.copy_(o + fraction * step[offset:offset + q.numel()].view_as(q))
                offset += q.numel()
            new_loss, new_kl = surrogate_and_kl(params, inner, outer, create_graph=False)
        if DEBUG: print("trial", fraction, loss_before, new_loss.item(), new_kl.item())
        if new_loss.item() < loss_before and new_kl.item() <= MAX_KL:
            return fraction, trials
        fraction *= RATIO
    with torch.no_grad():
        for q, o in zip(params, old):
            q.copy_(o)
    return 0.0, trials


def meta_iteration(sampler, params, n_tasks, per_task, rng):
    directions = np.where(rng.random(n_tasks) < 0.5, -1.0, 1.0)
    E, times = per_task, {}
    t0 = time.perf_counter()
    pre = sampler.sample(directions, per_task, params, rng)
    times["sampling"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inner, adapted = [], []
    theta = [q.detach() for q in params]
    for i in range(n_tasks):
        sl = slice(i * E, (i + 1) * E)
        x = task_inputs(theta, pre[0][sl], pre[1][sl], pre[2][sl])
        inner.append(x)
        adapted.append(inner_step(params, x, create_graph=False))
    times["inner"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    post = sampler.sample(directions, per_task, params, rng, adapted=adapted)
    times["sampling"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    outer = []
    for i in range(n_tasks):
        sl = slice(i * E, (i + 1) * E)
        outer.append(task_inputs(adapted[i], post[0][sl], post[1][sl], post[2][sl]))
    times["inner"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    fraction, trials = trpo_update(params, inner, outer)
    times["outer"] = time.perf_counter() - t0
    times["fraction"], times["trials"] = fraction, trials
    return times


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--trajectories", type=int, default=20)
    ap.add_argument("--horizon", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--copies", type=int, default=200, help="environments per wave (MetaExplore's default 200)")
    ap.add_argument("--vector", choices=["sync", "async"], default="sync")
    ap.add_argument("--only", default="sampling,iteration")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fvp", choices=["direct", "factored"], default="direct",
                    help="TRPO's KL Hessian products: pytorch-maml-rl's double backward through the inner step "
                         "(direct) or MetaExplore's factored form (factored)")
    args = ap.parse_args()
    global FVP
    FVP = args.fvp
    wanted = set(args.only.split(","))
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    copies = min(args.copies, args.tasks * args.trajectories)
    sampler = Sampler(copies, args.horizon, args.vector)
    params = init_params(sampler.obs_size, sampler.act_size, seed=args.seed)
    print(f"torch={torch.__version__} gymnasium={gym.__version__} vector={args.vector} threads={torch.get_num_threads()} "
          f"fvp={args.fvp} cpu_capability={torch.backends.cpu.get_cpu_capability()}")
    print(f"tasks={args.tasks} trajectories={args.trajectories} horizon={args.horizon} repeats={args.repeats}")
    if "sampling" in wanted:
        directions = np.where(rng.random(args.tasks) < 0.5, -1.0, 1.0)
        samples = []
        for k in range(args.repeats + 1):
            t0 = time.perf_counter()
            sampler.sample(directions, args.trajectories, params, rng)
            if k > 0:
                samples.append(time.perf_counter() - t0)
        print(f"meta_sampling_1thread_s={median(samples):.4f}")
        print(f"meta_sampling_1thread_steps_per_s={args.tasks * args.trajectories * args.horizon / median(samples):.0f}")
    if "iteration" in wanted:
        totals, cpu, phases = [], [], []
        for k in range(args.repeats + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            times = meta_iteration(sampler, params, args.tasks, args.trajectories, rng)
            if k > 0:
                totals.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                phases.append(times)
        for name in ["sampling", "inner", "outer"]:
            print(f"meta_iteration_{name}_s={median([p[name] for p in phases]):.4f}")
        print(f"line_search_trials={','.join(str(p['trials']) for p in phases)}")
        print(f"meta_iteration_s={median(totals):.4f}")
        print(f"meta_iteration_cpu_s={median(cpu):.4f}")
    sampler.envs.close()


if __name__ == "__main__":
    main()
