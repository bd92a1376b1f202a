"""The torch reference of the `adadelta` plugin: torch.optim.Adadelta. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch`, `REQUIRED` and
`one_change_each`."""

# The plugin's schema defaults (torch's).
DEFAULTS = dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False)

# "default", then one case per setting; the golden case is named adadelta_<case>.
CASES = one_change_each(lr=0.5, rho=0.5, eps=1e-3, weight_decay=0.1, maximize=True)


def make(params, settings):
    return torch.optim.Adadelta(params, foreach=False, **settings)
