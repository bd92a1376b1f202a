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

The optimizers are the folders of plugins/optimizers/ that hold a
torch_reference.py: the plugin's schema defaults (DEFAULTS), its cases
(CASES) and `make(params, settings)`, which builds the torch optimizer (or a
float32 re-implementation where torch has none). A new optimizer brings its
own reference in its own folder; nothing here names it.

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

OPTIMIZER_FOLDERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                 "plugins", "optimizers")


def one_change_each(default=None, **changes):
    """A reference's CASES in one call: "default" (the settings the schema
    requires, none unless given), then one case per keyword, named for it. A
    value sets that key alone; a dict is the case's whole settings, for a key
    whose effect shows only together with others."""
    cases = [("default", dict(default or {}))]
    for name, value in changes.items():
        cases.append((name, dict(value) if isinstance(value, dict) else {name: value}))
    return cases


def load_reference(path):
    """The names a torch_reference.py defines; it may use torch, REQUIRED and
    one_change_each."""
    names = {"torch": torch, "REQUIRED": REQUIRED, "one_change_each": one_change_each}
    with open(path) as source:
        exec(compile(source.read(), path, "exec"), names)
    return names


# name -> (schema defaults, make(params, settings)), and the cases
# (case name, optimizer, settings given to the plugin). The parity test checks
# the same coverage against the schemas the plugins report, so a drift
# between a reference's DEFAULTS and its plugin shows there.
DEFAULTS, MAKERS, CASES = {}, {}, []
for folder in sorted(os.listdir(OPTIMIZER_FOLDERS)):
    path = os.path.join(OPTIMIZER_FOLDERS, folder, "torch_reference.py")
    if not os.path.isfile(path):
        continue
    reference = load_reference(path)
    DEFAULTS[folder] = reference["DEFAULTS"]
    MAKERS[folder] = reference["make"]
    CASES += [(f"{folder}_{case}", folder, settings) for case, settings in reference["CASES"]]

# The plugin that docs/plugins.md builds as its example, not a built-in: its
# cases go to docs_nadam.csv.
DOCS_OPTIMIZERS = {"nadam"}
DEFAULTS["nadam"] = dict(lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0,
                         momentum_decay=4e-3)
MAKERS["nadam"] = lambda params, settings: torch.optim.NAdam(params, foreach=False, **settings)
CASES += [
    ("nadam_default", "nadam", dict()),
    ("nadam_lr", "nadam", dict(lr=0.05)),
    ("nadam_betas", "nadam", dict(lr=0.05, betas=[0.8, 0.99])),
    ("nadam_eps", "nadam", dict(lr=0.05, eps=0.1)),
    ("nadam_weight_decay", "nadam", dict(lr=0.05, weight_decay=0.1)),
    ("nadam_momentum_decay", "nadam", dict(lr=0.05, momentum_decay=0.5)),
]


def gradient(p, a, b):
    return (2 * a) * p + b * torch.cos(p)


def run(name, settings):
    params, coef = [], []
    for key, (init, a, b) in TENSORS.items():
        shape = SHAPES[key]
        params.append(torch.tensor(init, dtype=torch.float32).reshape(shape).requires_grad_())
        coef.append((torch.tensor(a, dtype=torch.float32).reshape(shape),
                     torch.tensor(b, dtype=torch.float32).reshape(shape)))
    s = dict(settings)
    if "betas" in s:
        s["betas"] = tuple(s["betas"])
    opt = MAKERS[name](params, s)
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
