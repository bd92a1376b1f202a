#!/usr/bin/python3
"""Writes tests/golden/optimizers.csv, the reference trajectories that
tests/unit/optimizer_parity_test.cpp replays against the optimizer plugins,
and tests/golden/docs_nadam.csv, the same for the NAdam plugin that
docs/plugins.md builds (tests/unit/docs_nadam_test.cpp).

Regenerate with Debian's torch (python3-torch, torch 1.13), not a pyenv python:

    /usr/bin/python3 tests/golden/gen_optimizer_golden.py

The problem: two float32 parameter tensors of different sizes, w (shape [3])
and M (shape [2, 2], stored row-major), and the loss
    sum(a * p**2 + b * sin(p))   per tensor, with fixed per-element a and b,
whose gradient 2*a*p + b*cos(p) depends on the parameters. The gradient is
computed by that formula in float32, in the order the C++ test uses
((2*a)*p + b*cos(p)), so that both sides feed their optimizer the same values
(up to an ulp where torch's cos and glibc's cosf round differently).
Each case runs STEPS steps and records both tensors after every step.

Every optimizer has a case with its defaults and, for every hyperparameter,
at least one case with a non-default value; the script checks both, and that
every case's trajectory differs from its optimizer's default one (an option
that changes nothing on this problem would test nothing).

torch.optim runs with foreach=False: that is 1.13's default on CPU, and it is
the single-tensor code path whose arithmetic order the plugins mirror.
"""

import argparse
import os
import sys

import torch

STEPS = 25

# name -> (init, a, b), each flattened row-major.
TENSORS = {
    "w": ([1.5, -0.8, 0.3], [0.5, 1.0, 2.0], [1.0, -0.5, 0.8]),
    "M": ([-1.2, 0.7, 2.0, -0.4], [0.25, 1.5, 0.75, 0.1], [-1.0, 0.6, 0.3, 2.0]),
}
SHAPES = {"w": (3,), "M": (2, 2)}

REQUIRED = object()

# The plugins' schema defaults (torch's, with the plugin-specific ones for
# momentum and nesterov). The parity test checks the same coverage against
# the schemas the plugins report, so a drift between the two shows there.
SGD_KEYS = ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"]
DEFAULTS = {
    "sgd": dict(lr=REQUIRED, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                maximize=False),
    "momentum": dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False,
                     maximize=False),
    "nesterov": dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True,
                     maximize=False),
    "adagrad": dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                    eps=1e-10, maximize=False),
    "rmsprop": dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                    centered=False, maximize=False),
    "adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False),
    "adam": dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0, amsgrad=False,
                 maximize=False),
    "adamw": dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=1e-2, amsgrad=False,
                  maximize=False),
    "adam_textbook": dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8),
    "nadam": dict(lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0, momentum_decay=4e-3),
}

# Optimizers whose plugin is the docs' example, not a built-in: their cases go
# to docs_nadam.csv.
DOCS_OPTIMIZERS = {"nadam"}

# (case name, optimizer, settings given to the plugin). "default" gives
# nothing but what a schema requires.
CASES = [
    ("sgd_default", "sgd", dict(lr=0.05)),
    ("sgd_momentum_dampening", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.1)),
    ("sgd_nesterov", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd_weight_decay", "sgd", dict(lr=0.05, weight_decay=0.1)),
    ("sgd_maximize", "sgd", dict(lr=0.02, maximize=True)),
    ("sgd_all", "sgd", dict(lr=0.01, momentum=0.8, nesterov=True, weight_decay=0.05,
                            maximize=True)),
    ("momentum_default", "momentum", dict()),
    ("momentum_lr", "momentum", dict(lr=0.05)),
    ("momentum_momentum", "momentum", dict(momentum=0.5)),
    ("momentum_dampening", "momentum", dict(dampening=0.3)),
    ("momentum_weight_decay", "momentum", dict(weight_decay=0.1)),
    ("momentum_nesterov", "momentum", dict(nesterov=True)),
    ("momentum_maximize", "momentum", dict(maximize=True)),
    ("nesterov_default", "nesterov", dict()),
    ("nesterov_lr", "nesterov", dict(lr=0.05)),
    ("nesterov_momentum", "nesterov", dict(momentum=0.5)),
    ("nesterov_weight_decay", "nesterov", dict(weight_decay=0.1)),
    ("nesterov_off_dampening", "nesterov", dict(nesterov=False, dampening=0.3)),
    ("nesterov_maximize", "nesterov", dict(maximize=True)),
    ("adagrad_default", "adagrad", dict()),
    ("adagrad_lr", "adagrad", dict(lr=0.1)),
    ("adagrad_lr_decay", "adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("adagrad_weight_decay", "adagrad", dict(weight_decay=0.1)),
    ("adagrad_initial_accumulator", "adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("adagrad_eps", "adagrad", dict(eps=1e-2)),
    ("adagrad_maximize", "adagrad", dict(maximize=True)),
    ("rmsprop_default", "rmsprop", dict()),
    ("rmsprop_lr", "rmsprop", dict(lr=0.001)),
    ("rmsprop_alpha", "rmsprop", dict(alpha=0.9)),
    ("rmsprop_eps", "rmsprop", dict(eps=1e-3)),
    ("rmsprop_weight_decay", "rmsprop", dict(weight_decay=0.1)),
    ("rmsprop_momentum", "rmsprop", dict(momentum=0.5)),
    ("rmsprop_centered", "rmsprop", dict(centered=True)),
    ("rmsprop_centered_momentum", "rmsprop", dict(centered=True, momentum=0.5, alpha=0.9)),
    ("rmsprop_maximize", "rmsprop", dict(maximize=True)),
    ("adadelta_default", "adadelta", dict()),
    ("adadelta_lr", "adadelta", dict(lr=0.5)),
    ("adadelta_rho", "adadelta", dict(rho=0.5)),
    ("adadelta_eps", "adadelta", dict(eps=1e-3)),
    ("adadelta_weight_decay", "adadelta", dict(weight_decay=0.1)),
    ("adadelta_maximize", "adadelta", dict(maximize=True)),
    ("adam_default", "adam", dict()),
    ("adam_lr", "adam", dict(lr=0.05)),
    ("adam_betas", "adam", dict(betas=[0.8, 0.99])),
    ("adam_eps", "adam", dict(lr=0.05, eps=0.1)),
    ("adam_weight_decay", "adam", dict(weight_decay=0.1)),
    # A short beta2 and a large step make the second moment fall, so the
    # running maximum differs from it.
    ("adam_amsgrad", "adam", dict(lr=0.1, betas=[0.9, 0.8], amsgrad=True)),
    ("adam_maximize", "adam", dict(maximize=True)),
    ("adamw_default", "adamw", dict()),
    ("adamw_lr", "adamw", dict(lr=0.05)),
    ("adamw_betas", "adamw", dict(betas=[0.8, 0.99])),
    ("adamw_eps", "adamw", dict(lr=0.05, eps=0.1)),
    ("adamw_weight_decay", "adamw", dict(lr=0.05, weight_decay=0.5)),
    ("adamw_no_weight_decay", "adamw", dict(weight_decay=0.0)),
    ("adamw_amsgrad", "adamw", dict(lr=0.1, betas=[0.9, 0.8], amsgrad=True)),
    ("adamw_maximize", "adamw", dict(maximize=True)),
    ("adam_textbook_default", "adam_textbook", dict()),
    ("adam_textbook_lr", "adam_textbook", dict(lr=0.05)),
    ("adam_textbook_betas", "adam_textbook", dict(betas=[0.8, 0.99])),
    ("adam_textbook_eps", "adam_textbook", dict(lr=0.05, eps=0.1)),
    ("nadam_default", "nadam", dict()),
    ("nadam_lr", "nadam", dict(lr=0.05)),
    ("nadam_betas", "nadam", dict(lr=0.05, betas=[0.8, 0.99])),
    ("nadam_eps", "nadam", dict(lr=0.05, eps=0.1)),
    ("nadam_weight_decay", "nadam", dict(lr=0.05, weight_decay=0.1)),
    ("nadam_momentum_decay", "nadam", dict(lr=0.05, momentum_decay=0.5)),
]


def gradient(p, a, b):
    return (2 * a) * p + b * torch.cos(p)


def torch_optimizer(name, params, settings):
    """torch.optim with the plugin's defaults under the given settings."""
    s = dict(settings)
    if "betas" in s:
        s["betas"] = tuple(s["betas"])
    if name in ("sgd", "momentum", "nesterov"):
        full = {k: v for k, v in DEFAULTS[name].items() if v is not REQUIRED}
        full.update(s)
        return torch.optim.SGD(params, foreach=False, **full)
    cls = {
        "adagrad": torch.optim.Adagrad,
        "rmsprop": torch.optim.RMSprop,
        "adadelta": torch.optim.Adadelta,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "nadam": torch.optim.NAdam,
    }[name]
    return cls(params, foreach=False, **s)


class AdamTextbook:
    """The course notes' Adam (eps inside the square root). torch has no such
    optimizer, so this direct float32 re-implementation of the formula is the
    reference; its operation order is the plugin's:
        m = b1*m + (1-b1)*g;  v = b2*v + ((1-b2)*g)*g
        m_hat = m / (1-b1^t); v_hat = v / (1-b2^t)
        p = p - (lr*m_hat) / sqrt(v_hat + eps)
    with the scalars computed in double and rounded to float32 once."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = params
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self):
        self.t += 1
        f32 = lambda x: torch.tensor(x, dtype=torch.float32)
        b1, b2 = f32(self.b1), f32(self.b2)
        omb1, omb2 = f32(1.0 - self.b1), f32(1.0 - self.b2)
        bc1, bc2 = f32(1.0 - self.b1**self.t), f32(1.0 - self.b2**self.t)
        lr, eps = f32(self.lr), f32(self.eps)
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                g = p.grad
                m.copy_(b1 * m + omb1 * g)
                v.copy_(b2 * v + (omb2 * g) * g)
                m_hat = m / bc1
                v_hat = v / bc2
                p.copy_(p - (lr * m_hat) / torch.sqrt(v_hat + eps))


def run(name, settings):
    params, coef = [], []
    for key, (init, a, b) in TENSORS.items():
        shape = SHAPES[key]
        params.append(torch.tensor(init, dtype=torch.float32).reshape(shape).requires_grad_())
        coef.append((torch.tensor(a, dtype=torch.float32).reshape(shape),
                     torch.tensor(b, dtype=torch.float32).reshape(shape)))
    if name == "adam_textbook":
        s = dict(settings)
        if "betas" in s:
            s["betas"] = tuple(s["betas"])
        opt = AdamTextbook(params, **s)
    else:
        opt = torch_optimizer(name, params, settings)
    trajectory = []
    for _ in range(STEPS):
        with torch.no_grad():
            for p, (a, b) in zip(params, coef):
                p.grad = gradient(p.detach(), a, b)
        opt.step()
        trajectory.append([p.detach().reshape(-1).clone() for p in params])
    return trajectory


def fmt_float32(x):
    # 9 significant digits round-trip any float32.
    return "%.9g" % x


def fmt_setting(value):
    if isinstance(value, bool):
        return "bool", ["true" if value else "false"]
    if isinstance(value, (list, tuple)):
        return "reals", [repr(float(x)) for x in value]
    return "real", [repr(float(value))]


def check_coverage():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    for opt, defaults in DEFAULTS.items():
        cases = [s for _, o, s in CASES if o == opt]
        assert any(all(defaults[k] is REQUIRED for k in s) for s in cases), f"{opt}: no default case"
        for key, default in defaults.items():
            assert any(key in s and s[key] != default for s in cases), \
                f"{opt}: no case sets {key} to a non-default value"
        for s in cases:
            unknown = set(s) - set(defaults)
            assert not unknown, f"{opt}: unknown keys {unknown}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__),
                                                         "optimizers.csv"))
    parser.add_argument("--docs-output", default=os.path.join(os.path.dirname(__file__),
                                                              "docs_nadam.csv"))
    args = parser.parse_args()
    check_coverage()
    torch.set_num_threads(1)

    results = {case: run(opt, s) for case, opt, s in CASES}
    for case, opt, s in CASES:
        reference = results[f"{opt}_default"]
        if case != f"{opt}_default":
            same = all(torch.equal(x, y) for a, b in zip(results[case], reference)
                       for x, y in zip(a, b))
            assert not same, f"{case}: trajectory identical to {opt}_default"
        final = torch.cat(results[case][-1])
        assert torch.isfinite(final).all(), f"{case}: non-finite parameters"

    write(args.output, [c for c in CASES if c[1] not in DOCS_OPTIMIZERS], results,
          "tests/unit/optimizer_parity_test.cpp")
    write(args.docs_output, [c for c in CASES if c[1] in DOCS_OPTIMIZERS], results,
          "tests/unit/docs_nadam_test.cpp")


def write(path, cases, results, test):
    lines = [
        f"# Golden optimizer trajectories for {test}.",
        f"# Generated by tests/golden/gen_optimizer_golden.py with torch {torch.__version__}",
        "# (Debian python3-torch); regenerate with:",
        "#   /usr/bin/python3 tests/golden/gen_optimizer_golden.py",
        "# Problem: per tensor, loss sum(a*p^2 + b*sin(p)); gradient (2*a)*p + b*cos(p) in float32.",
        "# Records, comma-separated, first field the kind; tensors are flattened row-major:",
        "#   tensor,<name>,<init|a|b>,<values...>           the problem (w is [3], M is [2,2])",
        "#   case,<case>,<optimizer>,<steps>                 one torch.optim run",
        "#   set,<case>,<key>,<real|bool|reals>,<values...>  a setting given to that run",
        "#   step,<case>,<t>,<tensor>,<values...>           the tensor after step t (1-based)",
    ]
    for name, (init, a, b) in TENSORS.items():
        for field, values in (("init", init), ("a", a), ("b", b)):
            f32 = torch.tensor(values, dtype=torch.float32).tolist()
            lines.append(",".join(["tensor", name, field] + [fmt_float32(x) for x in f32]))
    for case, opt, settings in cases:
        lines.append(f"case,{case},{opt},{STEPS}")
        for key, value in settings.items():
            kind, values = fmt_setting(value)
            lines.append(",".join(["set", case, key, kind] + values))
        for t, tensors in enumerate(results[case], start=1):
            for name, values in zip(TENSORS, tensors):
                lines.append(",".join(["step", case, str(t), name] +
                                      [fmt_float32(x) for x in values.tolist()]))
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote {len(cases)} cases to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
