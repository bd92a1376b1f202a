"""The torch reference of the `rmsprop` plugin: torch.optim.RMSprop. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch`, `REQUIRED` and
`one_change_each`."""

# The plugin's schema defaults (torch's).
DEFAULTS = dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                maximize=False)

# "default", then one case per setting; the golden case is named rmsprop_<case>.
CASES = one_change_each(lr=0.001, alpha=0.9, eps=1e-3, weight_decay=0.1, momentum=0.5,
                        centered=True, centered_momentum=dict(centered=True, momentum=0.5, alpha=0.9),
                        maximize=True)


def make(params, settings):
    return torch.optim.RMSprop(params, foreach=False, **settings)
