"""The torch reference of the `rmsprop` plugin: torch.optim.RMSprop. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch` and `REQUIRED`."""

# The plugin's schema defaults (torch's).
DEFAULTS = dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                maximize=False)

# (case, settings given to the plugin); the golden case is named rmsprop_<case>.
CASES = [
    ("default", dict()),
    ("lr", dict(lr=0.001)),
    ("alpha", dict(alpha=0.9)),
    ("eps", dict(eps=1e-3)),
    ("weight_decay", dict(weight_decay=0.1)),
    ("momentum", dict(momentum=0.5)),
    ("centered", dict(centered=True)),
    ("centered_momentum", dict(centered=True, momentum=0.5, alpha=0.9)),
    ("maximize", dict(maximize=True)),
]


def make(params, settings):
    return torch.optim.RMSprop(params, foreach=False, **settings)
