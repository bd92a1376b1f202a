"""The reference of the `adam_textbook` plugin: Adam with eps inside the
square root, as course notes write it. torch has no such optimizer, so a
direct float32 re-implementation of the formula is the reference. Read by
tests/golden/gen_optimizer_golden.py, which provides `torch`, `REQUIRED` and
`one_change_each`."""

# The plugin's schema defaults.
DEFAULTS = dict(lr=1e-3, betas=[0.9, 0.999], eps=1e-8)

# "default", then one case per setting; the golden case is named
# adam_textbook_<case>.
CASES = one_change_each(lr=0.05, betas=[0.8, 0.99], eps=dict(lr=0.05, eps=0.1))


class AdamTextbook:
    """Its operation order is the plugin's:
        m = b1*m + (1-b1)*g;  v = b2*v + ((1-b2)*g)*g
        m_hat = m / (1-b1^t); v_hat = v / (1-b2^t)
        p = p - (lr*m_hat) / sqrt(v_hat + eps)
    with the scalars computed in double and rounded to float32 once."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = params
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self):
        self.t += 1
        f32 = lambda x: torch.tensor(x, dtype=torch.float32)
        b1, b2 = f32(self.b1), f32(self.b2)
        omb1, omb2 = f32(1.0 - self.b1), f32(1.0 - self.b2)
        bc1, bc2 = f32(1.0 - self.b1**self.t), f32(1.0 - self.b2**self.t)
        lr, eps = f32(self.lr), f32(self.eps)
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                g = p.grad
                m.copy_(b1 * m + omb1 * g)
                v.copy_(b2 * v + (omb2 * g) * g)
                m_hat = m / bc1
                v_hat = v / bc2
                p.copy_(p - (lr * m_hat) / torch.sqrt(v_hat + eps))


def make(params, settings):
    return AdamTextbook(params, **settings)
