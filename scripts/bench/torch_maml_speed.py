"""PyTorch (CPU, one thread) timing of what `metaexplore bench meta` times: one MAML-TRPO meta-iteration on
HalfCheetahDir (Gymnasium HalfCheetah-v5 with the direction reward), and one meta-batch of pre-update sampling;
with --algorithm mame, of what `metaexplore bench mame --env HalfCheetahDir-v1` times: one MAME iteration on the
same task and batch (see "MAME" below).

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

MAME (--algorithm mame), matched to MetaExplore's `mame` defaults (MAMEProcedure.advance, MAMELearner.update):
  modules     mu_phi(a|s): 100-100 ReLU Gaussian over s; pi_theta,z(a|s): the same over s (+) z; M_beta,z(s, a): a
              100-100 ReLU MLP over s (+) a (+) z to one number; z: 32 numbers, zeros at start; every Linear
              initialized U(+-1/sqrt(fan-in)) (weight and bias), log-std 0. z enters both networks as MetaExplore
              computes it: folded into the first layer's bias, [W, b] over x (+) z -> [W_x, b + z W_z] over x.
  sampling    exploration episodes of mu_phi as MAML's pre-update sampling; post-update episodes of pi_theta,z'_i, one
              forward per step for the whole wave (shared weights, each row adding its task's first-layer bias;
              MetaExplore runs one forward per task group there: an efficiency PyTorch gets and ours does not)
  inner step  per task: targets Mbar_t = discounted returns (gamma 0.99); L_in(z) = (1/E) sum_t (M_beta,z(s_t, a_t) -
              Mbar_t)^2 (with the low-variance estimator MetaExplore does not build the DiCE weight, value 1);
              z'_i = z - 0.1 grad_z L_in (one step). The exploration batch's advantages (linear baseline, GAE) and
              log mu_phi are computed as MetaExplore's inputs do, though the regression does not read them.
  update      inner-loss values at z and z'_i (logged); outer loss -mean_i mean_t(pi_theta,z'_i / pi_old * A'),
              A' normalized GAE(0.99, 1) over the linear baseline of the post-update samples, with z'_i rebuilt
              through the inner step (create_graph) times unit weights omega_t on each step's inner-loss term; one
              backward gives theta, beta, z and omega; the exploration rewards r_t = -d(loss)/d(omega_t) (Eq. 5);
              A^mu_t = r_t + V_{t+1} - V_t with V a linear feature baseline fitted on the undiscounted returns of r
              (Eq. 4); phi's gradient from -sum_i sum_t log mu_phi(a_t|s_t) A^mu_t (Eq. 2); one Adam step each for
              (theta, beta) 7e-4, phi 7e-4, z 4e-5 (eps 1e-8); the outer loss after the step (logged).
  --check-mame FILE recomputes an iteration recorded by `metaexplore bench mame --dump FILE` (same parameters, same
  samples) with these functions and compares the recorded values (inner losses, z', gradient norms, exploration
  rewards, outer losses, the parameters after the step).

Vector environment: SyncVectorEnv by default (`--vector async` for AsyncVectorEnv). Fairest here: the meta-iteration
is compared with MetaExplore's sampler on one thread, and SyncVectorEnv steps on one core as well; AsyncVectorEnv
runs one process per environment (up to 200 on this 2-core machine) and pays a pipe round trip per step.

Prints torch=, gymnasium=, meta_sampling_1thread_s=, the iteration's phases and meta_iteration_s= (medians over
--repeats after one warm-up); for MAME the mame_iteration_* keys.
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

    def sample(self, directions, per_task, params, rng, adapted=None, first_bias=None):
        """Episodes of every task (task-major rows): obs [E, H, 17], act [E, H, 6], rew [E, H], logp [E, H].

        adapted: one parameter list per task (MAML's theta'_i). first_bias: [tasks, hidden] (MAME's pi_theta,z'_i,
        whose tasks differ only in the first layer's bias b + z'_i W_z): params are shared and each row adds its
        task's bias, so a wave is one forward."""
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
            if first_bias is not None:
                bias_rows = first_bias[torch.from_numpy(task_of)]
            even = adapted is not None and all((task_of == t).sum() == per_task for t in tasks_in_wave)
            if adapted is not None and even:
                stacked = [torch.stack([adapted[t][k].detach() for t in tasks_in_wave]) for k in range(len(params) - 1)]
                std_rows = torch.stack([std[t] for t in task_of])
            with torch.no_grad():
                for t in range(H):
                    x = torch.from_numpy(obs[:n].astype(np.float32, copy=False))
                    if first_bias is not None:
                        h = torch.relu(torch.addmm(bias_rows, x, params[0]))
                        mu, s = mean_of(params[2:], h), std[0].expand(n, -1)
                    elif adapted is None:
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
def discounted(rew, gamma):
    """rew [E, H] -> per-step discounted returns [E, H] (episodes run the full horizon)."""
    ret = np.zeros_like(rew)
    acc = np.zeros(rew.shape[0])
    for t in reversed(range(rew.shape[1])):
        acc = rew[:, t] + gamma * acc
        ret[:, t] = acc
    return ret


def baseline_values(obs, ret):
    """MetaExplore's LinearFeatureBaseline: fit on targets ret [E, H] over features of obs [E, H, d], predict [E, H]."""
    E, H, d = obs.shape
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
    return (feats @ w).reshape(E, H)


def advantages(obs, rew, gamma=0.99, lam=1.0):
    """obs [E, H, d], rew [E, H] of one task -> normalized GAE advantages [E*H] over a linear feature baseline."""
    E, H = rew.shape
    values = baseline_values(obs, discounted(rew, gamma))
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


# ---------------------------------------------------------------------------------------------------- MAME
# MetaExplore's `mame` defaults (MAMEConfiguration): z of 32, alpha 0.1 on z, one inner step, return targets
# discounted by 0.99, the inner loss summed over steps and averaged over episodes, the post-update objective the
# likelihood-ratio surrogate, Adam (eps 1e-8) at 7e-4 for theta and beta, 7e-4 for phi, 4e-5 for z.
LATENT, TARGET_GAMMA, LR_NETWORKS, LR_PHI, LR_LATENT, ADAM_EPS = 32, 0.99, 7e-4, 7e-4, 4e-5, 1e-8


def fan_in_layers(sizes, g):
    """MetaExplore's default Linear initialization: weight [in, out] and bias both U(-1/sqrt(in), 1/sqrt(in))."""
    out = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(i)
        out.append(((torch.rand(i, o, generator=g, dtype=DTYPE) * 2 - 1) * bound).requires_grad_())
        out.append(((torch.rand(o, generator=g, dtype=DTYPE) * 2 - 1) * bound).requires_grad_())
    return out


def mlp_forward(layers, x):
    """[W, b, ...] without a log-std: ReLU between layers, none after the last."""
    return mean_of(list(layers) + [None], x)


def fold(params, z, inputs):
    """An MLP over x (+) z as an MLP over x alone: [W, b, rest] -> [W_x, b + z W_z, rest] (MAMEModules.fold)."""
    w = params[0]
    return [w[:inputs], params[1] + z @ w[inputs:]] + list(params[2:])


class MAMEModel:
    """mu_phi over s, pi_theta,z over s (+) z (Gaussian, log-std last), M_beta,z over s (+) a (+) z, and z (zeros)."""

    def __init__(self, obs, act, hidden=(100, 100), latent=LATENT, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.obs, self.act, self.latent = obs, act, latent
        self.phi = fan_in_layers([obs, *hidden, act], g) + [torch.zeros(act, dtype=DTYPE, requires_grad=True)]
        self.theta = fan_in_layers([obs + latent, *hidden, act], g) + [torch.zeros(act, dtype=DTYPE, requires_grad=True)]
        self.beta = fan_in_layers([obs + act + latent, *hidden, 1], g)
        self.z = torch.zeros(latent, dtype=DTYPE, requires_grad=True)
        self.optimizers = [torch.optim.Adam(self.theta + self.beta, lr=LR_NETWORKS, eps=ADAM_EPS),
                           torch.optim.Adam(self.phi, lr=LR_PHI, eps=ADAM_EPS),
                           torch.optim.Adam([self.z], lr=LR_LATENT, eps=ADAM_EPS)]

    def named(self):
        """Every parameter under MetaExplore's checkpoint name (MAMEModules.namedParameters)."""
        out = {}
        for prefix, params in [("exploration", self.phi), ("exploitation", self.theta), ("selfSupervision", self.beta)]:
            layers = len(params) // 2
            for k in range(layers):
                out[f"{prefix}.{k}.weight"], out[f"{prefix}.{k}.bias"] = params[2 * k], params[2 * k + 1]
            if len(params) % 2:
                out[f"{prefix}.logStd"] = params[-1]
        out["latent"] = self.z
        return out


def mame_exploration_inputs(model, obs, act, rew):
    """One task's exploration samples as MAMEExplorationInputs holds them: [E*H] rows, M's targets (discounted
    returns), the batch's advantages (MetaExplore computes them for every inner loss; the regression does not read
    them) and log mu_phi(a|s) at the sampling parameters."""
    E, H, d = obs.shape
    x = {"rows": E, "obs_np": obs, "obs": torch.from_numpy(np.asarray(obs, np.float32).reshape(E * H, d)),
         "act": torch.from_numpy(np.asarray(act, np.float32).reshape(E * H, -1)), "mask": torch.ones(E * H, dtype=DTYPE)}
    x["sa"] = torch.cat([x["obs"], x["act"]], 1)
    x["targets"] = torch.from_numpy(discounted(rew, TARGET_GAMMA).reshape(E * H, 1).astype(np.float32))
    x["adv"] = torch.from_numpy(advantages(obs, rew).astype(np.float32))
    with torch.no_grad():
        x["old_logp"] = log_prob([p.detach() for p in model.phi], x["obs"], x["act"])
    return x


def mame_inner_loss(model, x, beta, z, weights=None):
    """L_in(z) = (1/E) sum_t w_t (M_beta,z(s_t, a_t) - Mbar_t)^2 (MAMEObjective.innerLoss; with the low-variance
    estimator the DiCE weight of mu_phi, value 1, is not built; `weights` are the unit weights omega_t)."""
    diff = mlp_forward(fold(beta, z, model.obs + model.act), x["sa"]) - x["targets"]
    loss = (diff * diff).sum(1) * x["mask"]
    if weights is not None:
        loss = loss * weights
    return loss.sum() / x["rows"]


def mame_adapted_latent(model, x, beta, z, create_graph, weights=None):
    """z' = z - alpha grad_z L_in(z) (MAME-A1 L6); with create_graph, differentiable in beta, z and the weights."""
    if not create_graph:
        leaf = z.detach().requires_grad_()
        with torch.enable_grad():
            g, = torch.autograd.grad(mame_inner_loss(model, x, [p.detach() for p in beta], leaf), leaf)
        return (leaf - ALPHA * g).detach()
    g, = torch.autograd.grad(mame_inner_loss(model, x, beta, z, weights), z, create_graph=True)
    return z - ALPHA * g


def mame_post_inputs(params, obs, act, rew):
    """One task's post-update samples as MetaTaskInputs holds them: advantages and log pi_theta,z'(a|s)."""
    E, H, d = obs.shape
    x = {"obs": torch.from_numpy(np.asarray(obs, np.float32).reshape(E * H, d)),
         "act": torch.from_numpy(np.asarray(act, np.float32).reshape(E * H, -1)),
         "mask": torch.ones(E * H, dtype=DTYPE), "adv": torch.from_numpy(advantages(obs, rew).astype(np.float32))}
    with torch.no_grad():
        x["old_logp"] = log_prob(params, x["obs"], x["act"])
    return x


def mame_surrogate(params, x):
    """-mean(pi/pi_old * A') over the task's valid post-update steps (TRPO's surrogate, MAME-A1 L9's objective)."""
    ratio = torch.exp(log_prob(params, x["obs"], x["act"]) - x["old_logp"])
    return -(ratio * x["adv"] * x["mask"]).sum() / x["mask"].sum()


def exploration_advantages(rewards, obs):
    """Eq. 4: A_t = r_t + V_{t+1} - V_t (V after the last step 0), V a linear feature baseline fitted on the
    undiscounted returns of r (MAMEObjective.explorationAdvantages, lambda 0)."""
    values = baseline_values(obs, discounted(rewards, 1.0))
    following = np.concatenate([values[:, 1:], np.zeros((values.shape[0], 1))], axis=1)
    return rewards + following - values


def mame_update(model, xs, posts):
    """MAMELearner.update with one epoch: the inner-loss values at z and z', the gradient of the outer loss through
    the inner step w.r.t. theta, beta, z and the unit weights (whose negatives are the exploration rewards r^mu),
    phi's gradient from -sum_i sum_t log mu_phi(a_t|s_t) A^mu_t, one Adam step per optimizer, the outer loss after.
    Returns the statistics MetaExplore logs."""
    theta, beta, phi, z = model.theta, model.beta, model.phi, model.z
    stats = {"inner_loss_before": 0.0, "inner_loss_after": 0.0, "latent_step": 0.0}
    for x in xs:
        zi = mame_adapted_latent(model, x, beta, z, create_graph=False)
        with torch.no_grad():
            bd = [p.detach() for p in beta]
            stats["inner_loss_before"] += mame_inner_loss(model, x, bd, z.detach()).item() / len(xs)
            stats["inner_loss_after"] += mame_inner_loss(model, x, bd, zi).item() / len(xs)
            stats["latent_step"] += (zi - z.detach()).norm().item() / len(xs)
    weights = [torch.ones(len(x["mask"]), dtype=DTYPE, requires_grad=True) for x in xs]
    terms = []
    for x, post, w in zip(xs, posts, weights):
        zi = mame_adapted_latent(model, x, beta, z, create_graph=True, weights=w)
        terms.append(mame_surrogate(fold(theta, zi, model.obs), post))
    loss = torch.stack(terms).mean()
    grads = torch.autograd.grad(loss, theta + beta + [z] + weights)
    g_theta, g_beta = grads[:len(theta)], grads[len(theta):len(theta) + len(beta)]
    g_z, g_w = grads[len(theta) + len(beta)], grads[len(theta) + len(beta) + 1:]
    rewards = [(-g * x["mask"]).numpy().astype(np.float64).reshape(x["rows"], -1) for g, x in zip(g_w, xs)]
    adv = [exploration_advantages(r, x["obs_np"]) for r, x in zip(rewards, xs)]
    phi_loss = sum(-(log_prob(phi, x["obs"], x["act"]) * torch.from_numpy(a.reshape(-1).astype(np.float32))
                     * x["mask"]).sum() for x, a in zip(xs, adv))
    g_phi = torch.autograd.grad(phi_loss, phi)
    norm = lambda gs: math.sqrt(sum(float((g.double() ** 2).sum()) for g in gs))
    r = np.concatenate([a.reshape(-1) for a in rewards])
    stats.update(outer_loss=loss.item(), grad_norm_theta=norm(g_theta), grad_norm_beta=norm(g_beta),
                 grad_norm_phi=norm(g_phi), grad_norm_z=norm([g_z]), exploration_reward_mean=float(r.mean()),
                 exploration_reward_std=float(r.std()), exploration_reward_abs_mean=float(np.abs(r).mean()),
                 exploration_advantage_mean=float(np.concatenate([a.reshape(-1) for a in adv]).mean()))
    for params, gs in [(theta + beta, g_theta + g_beta), (phi, g_phi), ([z], [g_z])]:
        for p, g in zip(params, gs):
            p.grad = g
    for opt in model.optimizers:
        opt.step()
    after = 0.0
    for x, post in zip(xs, posts):
        zi = mame_adapted_latent(model, x, beta, z, create_graph=False)
        with torch.no_grad():
            after += mame_surrogate(fold([p.detach() for p in theta], zi, model.obs), post).item()
    stats["outer_loss_after"] = after / len(xs)
    return stats


def mame_collect(model, sampler, directions, per_task, rng):
    """MAME-A1 L5-L7 as MAMEProcedure.collect: exploration samples of mu_phi, the inputs and the inner step of every
    task, post-update samples of pi_theta,z'_i, their inputs. Returns (xs, posts, latents, times)."""
    E, times = per_task, {}
    t0 = time.perf_counter()
    explo = sampler.sample(directions, per_task, model.phi, rng)
    times["sampling"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    xs = [mame_exploration_inputs(model, *(b[i * E:(i + 1) * E] for b in explo[:3])) for i in range(len(directions))]
    latents = [mame_adapted_latent(model, x, model.beta, model.z, create_graph=False) for x in xs]
    theta = [p.detach() for p in model.theta]
    with torch.no_grad():
        biases = torch.stack([fold(theta, zi, model.obs)[1] for zi in latents])
    times["inner"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    shared = [theta[0][:model.obs], None] + theta[2:]
    post = sampler.sample(directions, per_task, shared, rng, first_bias=biases)
    times["sampling"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    posts = []
    for i in range(len(directions)):
        params = [shared[0], biases[i]] + shared[2:]
        posts.append(mame_post_inputs(params, *(b[i * E:(i + 1) * E] for b in post[:3])))
    times["inner"] += time.perf_counter() - t0
    return xs, posts, latents, times


def mame_iteration(sampler, model, n_tasks, per_task, rng):
    """One MAME iteration (MAMEProcedure.advance): tasks, collect, update; phases timed as MetaExplore's."""
    directions = np.where(rng.random(n_tasks) < 0.5, -1.0, 1.0)
    xs, posts, _, times = mame_collect(model, sampler, directions, per_task, rng)
    t0 = time.perf_counter()
    mame_update(model, xs, posts)
    times["outer"] = time.perf_counter() - t0
    return times


def read_safetensors(path):
    """The tensors (numpy) and metadata of a .safetensors file (F32/F64 only), without the safetensors package."""
    import json
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    kinds = {"F32": np.float32, "F64": np.float64}
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=kinds[e["dtype"]]).reshape(e["shape"])
    return out, meta


def check_mame(path, tolerance, step_tolerance):
    """Recomputes the iteration recorded by `metaexplore bench mame --dump` (its parameters before the update, its
    exploration and post-update samples) with the functions timed here and compares every recorded result: values
    relative to their magnitude (`tolerance`; float32 on both sides), the parameters after the Adam step in units of
    the learning rate (`step_tolerance`). Returns True when all agree."""
    t, meta = read_safetensors(path)
    tasks, per_task, horizon = int(meta["tasks"]), int(meta["trajectories"]), int(meta["horizon"])
    for key, ours in [("latentSize", LATENT), ("innerStepSize", ALPHA), ("targetDiscount", TARGET_GAMMA),
                      ("learningRate", LR_NETWORKS), ("explorationLearningRate", LR_PHI),
                      ("latentLearningRate", LR_LATENT), ("adamEpsilon", ADAM_EPS)]:
        if float(meta[key]) != ours:
            print(f"mame_check: setting {key}={meta[key]} in the file, {ours} here")
            return False
    for key, ours in [("innerSteps", "1"), ("innerLoss", "regression"), ("target", "returns"),
                      ("advantagesGamma", "0.99"), ("advantagesLambda", "1.0"), ("advantagesNormalize", "true"),
                      ("innerReduction", "episodeMean"), ("explorationGradient", "lowVariance"),
                      ("explorationLambda", "0.0"), ("rewardScale", "none"), ("outerObjective", "policyGradient"),
                      ("epochs", "1"), ("hiddenSizes", "100,100"), ("activation", "relu")]:
        if meta[key] != ours:
            print(f"mame_check: setting {key}={meta[key]} in the file, {ours} here")
            return False
    obs_size, act_size = t["exploration.observations"].shape[-1], t["exploration.actions"].shape[-1]
    model = MAMEModel(obs_size, act_size)
    with torch.no_grad():
        for name, p in model.named().items():
            p.copy_(torch.from_numpy(t["before." + name].astype(np.float32)))

    def batch(prefix):
        lengths = t[prefix + ".lengths"]
        if not np.all(lengths == horizon):
            raise SystemExit(f"mame_check: {prefix} episodes end before the horizon (this check assumes full episodes)")
        shape = (tasks, per_task, horizon)
        return (t[prefix + ".observations"].reshape(*shape, -1), t[prefix + ".actions"].reshape(*shape, -1),
                t[prefix + ".rewards"].reshape(shape), t[prefix + ".logProbabilities"].reshape(shape))

    explo, post = batch("exploration"), batch("post")
    results, worst, worst_step = [], 0.0, 0.0

    def compare(name, mine, theirs, scale=None, step=False):
        nonlocal worst, worst_step
        mine, theirs = np.asarray(mine, np.float64), np.asarray(theirs, np.float64)
        s = scale if scale is not None else max(float(np.abs(theirs).max()), 1e-30)
        d = float(np.abs(mine - theirs).max()) / s
        if step:
            worst_step = max(worst_step, d)
        else:
            worst = max(worst, d)
        shown = (float(np.abs(theirs).max()), float(np.abs(mine).max())) if theirs.size > 1 else (theirs.item(), mine.item())
        results.append(f"  {name:<40} metaexplore {shown[0]:>13.6g}  torch {shown[1]:>13.6g}  "
                       f"{'max ' if theirs.size > 1 else ''}|diff| / {'lr' if step else 'scale'} {d:.2e}")

    xs = [mame_exploration_inputs(model, explo[0][i], explo[1][i], explo[2][i]) for i in range(tasks)]
    compare("exploration log mu(a|s)", torch.cat([x["old_logp"] for x in xs]).numpy(), explo[3].reshape(-1))
    latents = [mame_adapted_latent(model, x, model.beta, model.z, create_graph=False) for x in xs]
    compare("adapted latents z'", torch.stack(latents).numpy(), t["adapted_latents"])
    theta = [p.detach() for p in model.theta]
    posts = []
    for i in range(tasks):
        with torch.no_grad():
            params = fold(theta, latents[i], obs_size)
        posts.append(mame_post_inputs(params, post[0][i], post[1][i], post[2][i]))
    compare("post-update log pi_theta,z'(a|s)", torch.cat([p["old_logp"] for p in posts]).numpy(), post[3].reshape(-1))
    stats = mame_update(model, xs, posts)
    for key in ["inner_loss_before", "inner_loss_after", "latent_step", "outer_loss", "outer_loss_after",
                "grad_norm_theta", "grad_norm_beta", "grad_norm_phi", "grad_norm_z", "exploration_reward_mean",
                "exploration_reward_std", "exploration_reward_abs_mean", "exploration_advantage_mean"]:
        # Means of signed quantities are compared on the scale of their terms (a mean near 0 has no relative
        # precision of its own): the exploration rewards' mean magnitude; for the outer losses 1, the standard
        # deviation of the normalized advantages (before the step the surrogate is mean(A') = 0 up to rounding).
        scale = {"exploration_reward_mean": float(meta["exploration_reward_abs_mean"]),
                 "exploration_advantage_mean": float(meta["exploration_reward_abs_mean"]),
                 "outer_loss": 1.0, "outer_loss_after": 1.0}.get(key)
        compare(key, stats[key], float(meta[key]), scale)
    # One Adam step from zero moments moves each parameter by about lr * sign(g): compared in units of the step.
    for name, p in model.named().items():
        lr = LR_LATENT if name == "latent" else LR_PHI if name.startswith("exploration") else LR_NETWORKS
        compare("after update: " + name, p.detach().numpy(), t["after." + name], scale=lr, step=True)
    print(f"mame_check: {tasks} tasks x {per_task} trajectories x {horizon} steps recorded by metaexplore "
          f"(max over arrays; scale: the largest magnitude, or the stated one)")
    print("\n".join(results))
    ok = worst <= tolerance and worst_step <= step_tolerance
    print(f"mame_check={'pass' if ok else 'FAIL'} max_relative_difference={worst:.2e} (tolerance {tolerance:g}) "
          f"max_parameter_difference={worst_step:.2e} learning-rate steps (tolerance {step_tolerance:g})")
    return ok


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--algorithm", choices=["maml-trpo", "mame"], default="maml-trpo")
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--trajectories", type=int, default=20)
    ap.add_argument("--horizon", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--copies", type=int, default=200, help="environments per wave (MetaExplore's default 200)")
    ap.add_argument("--vector", choices=["sync", "async"], default="sync")
    ap.add_argument("--only", default=None, help="maml-trpo: sampling,iteration (default both); mame: iteration")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fvp", choices=["direct", "factored"], default="direct",
                    help="TRPO's KL Hessian products: pytorch-maml-rl's double backward through the inner step "
                         "(direct) or MetaExplore's factored form (factored)")
    ap.add_argument("--check-mame", metavar="FILE",
                    help="recompute the MAME iteration recorded by `metaexplore bench mame --dump FILE` and compare "
                         "(no timing); exit status 1 when they differ")
    ap.add_argument("--check-tolerance", type=float, default=1e-3,
                    help="largest relative difference of a recorded value (--check-mame)")
    ap.add_argument("--check-step-tolerance", type=float, default=0.05,
                    help="largest difference of a parameter after the Adam step, in learning rates (--check-mame)")
    args = ap.parse_args()
    if args.check_mame:
        raise SystemExit(0 if check_mame(args.check_mame, args.check_tolerance, args.check_step_tolerance) else 1)
    for name in ["tasks", "trajectories", "horizon", "repeats", "copies"]:
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")
    global FVP
    FVP = args.fvp
    offered = {"maml-trpo": {"sampling", "iteration"}, "mame": {"iteration"}}[args.algorithm]
    wanted = set(args.only.split(",")) if args.only else offered
    if not wanted <= offered:
        ap.error(f"--only for {args.algorithm} takes {', '.join(sorted(offered))}; got '{args.only}'")
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    copies = min(args.copies, args.tasks * args.trajectories)
    sampler = Sampler(copies, args.horizon, args.vector)
    print(f"torch={torch.__version__} gymnasium={gym.__version__} vector={args.vector} threads={torch.get_num_threads()} "
          f"fvp={args.fvp} cpu_capability={torch.backends.cpu.get_cpu_capability()} algorithm={args.algorithm}")
    print(f"tasks={args.tasks} trajectories={args.trajectories} horizon={args.horizon} repeats={args.repeats}")
    if args.algorithm == "mame":
        model = MAMEModel(sampler.obs_size, sampler.act_size, seed=args.seed)
        totals, cpu, phases = [], [], []
        for k in range(args.repeats + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            times = mame_iteration(sampler, model, args.tasks, args.trajectories, rng)
            if k > 0:
                totals.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                phases.append(times)
        for name in ["sampling", "inner", "outer"]:
            print(f"mame_iteration_{name}_s={median([p[name] for p in phases]):.4f}")
        print(f"mame_iteration_s={median(totals):.4f}")
        print(f"mame_iteration_cpu_s={median(cpu):.4f}")
        sampler.envs.close()
        return
    params = init_params(sampler.obs_size, sampler.act_size, seed=args.seed)
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
