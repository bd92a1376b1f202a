"""The torch reference of the `adamw` plugin: torch.optim.AdamW. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch`, `REQUIRED` and
`one_change_each`."""

# The plugin's schema defaults (torch's).
DEFAULTS = dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=1e-2, amsgrad=False,
                maximize=False)

# "default", then one case per setting; the golden case is named adamw_<case>.
CASES = one_change_each(lr=0.05, betas=[0.8, 0.99], eps=dict(lr=0.05, eps=0.1),
                        weight_decay=dict(lr=0.05, weight_decay=0.5), no_weight_decay=dict(weight_decay=0.0),
                        amsgrad=dict(lr=0.1, betas=[0.9, 0.8], amsgrad=True), maximize=True)


def make(params, settings):
    return torch.optim.AdamW(params, foreach=False, **settings)
