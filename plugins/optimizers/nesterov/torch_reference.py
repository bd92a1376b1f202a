"""The torch reference of the `nesterov` plugin: torch.optim.SGD with this
plugin's defaults (Nesterov momentum 0.9, lr 0.01). Read by
tests/golden/gen_optimizer_golden.py, which provides `torch` and `REQUIRED`."""

# The plugin's schema defaults.
DEFAULTS = dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True,
                maximize=False)

# (case, settings given to the plugin); the golden case is named nesterov_<case>.
CASES = [
    ("default", dict()),
    ("lr", dict(lr=0.05)),
    ("momentum", dict(momentum=0.5)),
    ("weight_decay", dict(weight_decay=0.1)),
    ("off_dampening", dict(nesterov=False, dampening=0.3)),
    ("maximize", dict(maximize=True)),
]


def make(params, settings):
    # torch's defaults differ from the plugin's: pass every setting.
    return torch.optim.SGD(params, foreach=False, **{**DEFAULTS, **settings})
