"""The torch reference of the `momentum` plugin: torch.optim.SGD with this
plugin's defaults (momentum 0.9, lr 0.01). Read by
tests/golden/gen_optimizer_golden.py, which provides `torch`, `REQUIRED` and
`one_change_each`."""

# The plugin's schema defaults.
DEFAULTS = dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False,
                maximize=False)

# "default", then one case per setting; the golden case is named momentum_<case>.
CASES = one_change_each(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.1, nesterov=True,
                        maximize=True)


def make(params, settings):
    # torch's defaults differ from the plugin's: pass every setting.
    return torch.optim.SGD(params, foreach=False, **{**DEFAULTS, **settings})
