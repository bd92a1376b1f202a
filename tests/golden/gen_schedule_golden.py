#!/usr/bin/python3
"""Writes tests/golden/schedules.csv, the reference that
tests/unit/schedule_golden_test.cpp checks the schedule plugins against.

Regenerate with Debian's torch (python3-torch, torch 1.13), not a pyenv python:

    /usr/bin/python3 tests/golden/gen_schedule_golden.py

Each case is one optimizer entry of an optbench experiment, with a schedule,
on the `quadratic` model: f(x) = 0.2 x0^2 + 2 x1^2 from (3, 4), x float32.
torch runs the same: the optimizer steps on a float32 tensor whose gradient
is (2 w x) computed in float64 and rounded to float32, as the plugin does,
and the scheduler steps after every optimizer step. Per step t (0-based) the
file holds the lr and momentum the optimizer used (momentum: SGD's and
RMSprop's `momentum`, Adam's beta1; nan where there is none) and x after the
step.

Line formats ('|'-separated, since the YAML holds commas):
    case|NAME|STEPS|OPTIMIZER ENTRY AS FLOW YAML
    row|NAME|t|lr|momentum|x0|x1
"""

import math
import os
import sys

import torch
from torch.optim import lr_scheduler as S

STEPS = 30
W = [0.2, 2.0]
START = [3.0, 4.0]


def sgd(p, lr, momentum=0.0, nesterov=False):
    return torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=nesterov, foreach=False)


# name -> (optbench optimizer entry, torch optimizer factory, torch scheduler factory)
CASES = [
    ("step_sgd",
     "{name: sgd, lr: 0.1, schedule: {name: step, step_size: 7, gamma: 0.5}}",
     lambda p: sgd(p, 0.1),
     lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    ("multistep_momentum",
     "{name: momentum, lr: 0.05, momentum: 0.9,"
     " schedule: {name: multistep, milestones: [5, 12, 12, 20], gamma: 0.3}}",
     lambda p: sgd(p, 0.05, 0.9),
     lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3)),
    ("exponential_adam",
     "{name: adam, lr: 0.3, schedule: {name: exponential, gamma: 0.9}}",
     lambda p: torch.optim.Adam([p], lr=0.3, foreach=False),
     lambda o: S.ExponentialLR(o, gamma=0.9)),
    ("cosine_rmsprop",
     "{name: rmsprop, lr: 0.05, schedule: {name: cosine, T_max: 12, eta_min: 0.001}}",
     lambda p: torch.optim.RMSprop([p], lr=0.05, foreach=False),
     lambda o: S.CosineAnnealingLR(o, T_max=12, eta_min=0.001)),
    ("cosine_nesterov",
     "{name: nesterov, lr: 0.02, schedule: {name: cosine, T_max: 30}}",
     lambda p: sgd(p, 0.02, 0.9, nesterov=True),
     lambda o: S.CosineAnnealingLR(o, T_max=30)),
    ("linear_adagrad",
     "{name: adagrad, lr: 0.5,"
     " schedule: {name: linear, start_factor: 0.25, end_factor: 1.0, total_iters: 10}}",
     lambda p: torch.optim.Adagrad([p], lr=0.5, foreach=False),
     lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=10)),
    ("linear_decay_adamw",
     "{name: adamw, lr: 0.2, schedule: {name: linear, start_factor: 1.0, end_factor: 0.1,"
     " total_iters: 20}}",
     lambda p: torch.optim.AdamW([p], lr=0.2, foreach=False),
     lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20)),
    ("linear_default_sgd",
     "{name: sgd, lr: 0.1, schedule: linear}",
     lambda p: sgd(p, 0.1),
     lambda o: S.LinearLR(o)),
    ("onecycle_momentum",
     "{name: momentum, lr: 0.01, schedule: {name: onecycle, max_lr: 0.1, total_steps: 30}}",
     lambda p: sgd(p, 0.01, 0.9),
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=30)),
    ("onecycle_adam_three_phase_linear",
     "{name: adam, schedule: {name: onecycle, max_lr: 0.4, total_steps: 30, pct_start: 0.25,"
     " anneal_strategy: linear, three_phase: true, base_momentum: 0.8, max_momentum: 0.9,"
     " div_factor: 10, final_div_factor: 100}}",
     lambda p: torch.optim.Adam([p], lr=1e-3, foreach=False),
     lambda o: S.OneCycleLR(o, max_lr=0.4, total_steps=30, pct_start=0.25,
                            anneal_strategy="linear", three_phase=True, base_momentum=0.8,
                            max_momentum=0.9, div_factor=10, final_div_factor=100)),
    ("onecycle_rmsprop_no_momentum_cycle",
     "{name: rmsprop, schedule: {name: onecycle, max_lr: 0.05, total_steps: 40,"
     " cycle_momentum: false}}",
     lambda p: torch.optim.RMSprop([p], lr=0.01, foreach=False),
     lambda o: S.OneCycleLR(o, max_lr=0.05, total_steps=40, cycle_momentum=False)),
    ("onecycle_sgd_momentum_from_zero",
     "{name: sgd, lr: 0.1, schedule: {name: onecycle, max_lr: 0.05, total_steps: 30}}",
     lambda p: sgd(p, 0.1),
     lambda o: S.OneCycleLR(o, max_lr=0.05, total_steps=30)),
    ("warmup_cosine_adadelta",
     "{name: adadelta, lr: 2.0,"
     " schedule: {name: warmup_cosine, warmup: 5, T_max: 20, eta_min: 0.1, start_factor: 0.1}}",
     lambda p: torch.optim.Adadelta([p], lr=2.0, foreach=False),
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5),
                                  S.CosineAnnealingLR(o, T_max=20, eta_min=0.1)],
                              milestones=[5])),
    ("warmup_cosine_adam_default_start",
     "{name: adam, lr: 0.3, schedule: {name: warmup_cosine, warmup: 8, T_max: 15}}",
     lambda p: torch.optim.Adam([p], lr=0.3, foreach=False),
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=8),
                                  S.CosineAnnealingLR(o, T_max=15)], milestones=[8])),
]


def momentum_of(group):
    if "betas" in group:
        return group["betas"][0]
    if "momentum" in group:
        return group["momentum"]
    return float("nan")


def run(make_opt, make_sched):
    x = torch.tensor(START, dtype=torch.float32, requires_grad=True)
    opt = make_opt(x)
    sched = make_sched(opt)
    w = torch.tensor(W, dtype=torch.float64)
    rows = []
    for t in range(STEPS):
        group = opt.param_groups[0]
        lr, mom = group["lr"], momentum_of(group)
        x.grad = (2.0 * w * x.detach().double()).float()
        opt.step()
        sched.step()
        rows.append((t, lr, mom, float(x[0]), float(x[1])))
    return rows


def main():
    import warnings
    warnings.simplefilter("ignore")  # SequentialLR's step(0) deprecation notice
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schedules.csv")
    lines = [
        "# Golden schedule trajectories for tests/unit/schedule_golden_test.cpp.",
        "# Generated by tests/golden/gen_schedule_golden.py with torch %s; regenerate with:"
        % torch.__version__,
        "#   /usr/bin/python3 tests/golden/gen_schedule_golden.py",
        "# Model: quadratic 0.2 x0^2 + 2 x1^2 from (3, 4); %d steps per case." % STEPS,
    ]
    for name, entry, make_opt, make_sched in CASES:
        rows = run(make_opt, make_sched)
        lrs = [r[1] for r in rows]
        if len(set(lrs)) < 3:
            sys.exit("case %s: the lr barely changes; it would test nothing" % name)
        lines.append("case|%s|%d|%s" % (name, STEPS, entry))
        for t, lr, mom, x0, x1 in rows:
            lines.append("row|%s|%d|%.17g|%.17g|%.9g|%.9g" % (name, t, lr, mom, x0, x1))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s (%d cases)" % (out, len(CASES)))


if __name__ == "__main__":
    main()
