"""The torch reference of the `adagrad` plugin: torch.optim.Adagrad. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch`, `REQUIRED` and
`one_change_each`."""

# The plugin's schema defaults (torch's).
DEFAULTS = dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10, maximize=False)

# "default", then one case per setting (lr_decay and the accumulator show
# only with a larger lr); the golden case is named adagrad_<case>.
CASES = one_change_each(lr=0.1, lr_decay=dict(lr=0.1, lr_decay=0.1), weight_decay=0.1,
                        initial_accumulator=dict(lr=0.1, initial_accumulator_value=0.5), eps=1e-2,
                        maximize=True)


def make(params, settings):
    return torch.optim.Adagrad(params, foreach=False, **settings)
