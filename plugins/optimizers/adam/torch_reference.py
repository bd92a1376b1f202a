"""The torch reference of the `adam` plugin: torch.optim.Adam. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch`, `REQUIRED` and
`one_change_each`."""

# The plugin's schema defaults (torch's).
DEFAULTS = dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0, amsgrad=False,
                maximize=False)

# "default", then one case per setting; the golden case is named adam_<case>.
# A short beta2 and a large step make the second moment fall, so that
# AMSGrad's running maximum differs from it.
CASES = one_change_each(lr=0.05, betas=[0.8, 0.99], eps=dict(lr=0.05, eps=0.1), weight_decay=0.1,
                        amsgrad=dict(lr=0.1, betas=[0.9, 0.8], amsgrad=True), maximize=True)


def make(params, settings):
    return torch.optim.Adam(params, foreach=False, **settings)
