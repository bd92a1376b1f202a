"""The torch reference of the `sgd` plugin: torch.optim.SGD, whose lr has no
default. Read by tests/golden/gen_optimizer_golden.py, which provides `torch`
and `REQUIRED` (a default the user must replace)."""

# The plugin's schema defaults.
DEFAULTS = dict(lr=REQUIRED, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                maximize=False)

# "default" gives nothing but what the schema requires, then one case per
# setting; the golden case is named sgd_<case>.
CASES = one_change_each(
    default=dict(lr=0.05),
    momentum_dampening=dict(lr=0.05, momentum=0.9, dampening=0.1),
    nesterov=dict(lr=0.05, momentum=0.9, nesterov=True),
    weight_decay=dict(lr=0.05, weight_decay=0.1),
    maximize=dict(lr=0.02, maximize=True),
    all=dict(lr=0.01, momentum=0.8, nesterov=True, weight_decay=0.05, maximize=True),
)


def make(params, settings):
    return torch.optim.SGD(params, foreach=False, **settings)
