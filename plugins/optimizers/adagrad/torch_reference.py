"""The torch reference of the `adagrad` plugin: torch.optim.Adagrad. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch` and `REQUIRED`."""

# The plugin's schema defaults (torch's).
DEFAULTS = dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10, maximize=False)

# (case, settings given to the plugin); the golden case is named adagrad_<case>.
CASES = [
    ("default", dict()),
    ("lr", dict(lr=0.1)),
    ("lr_decay", dict(lr=0.1, lr_decay=0.1)),
    ("weight_decay", dict(weight_decay=0.1)),
    ("initial_accumulator", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("eps", dict(eps=1e-2)),
    ("maximize", dict(maximize=True)),
]


def make(params, settings):
    return torch.optim.Adagrad(params, foreach=False, **settings)
