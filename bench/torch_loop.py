"""The MLP training loop users write with PyTorch, timed part by part: shared
by the peer (one thread, CPU time) and user_loop.py (the environment as it
is, wall clock)."""


def training_loop(torch, inputs, labels, steps, clock):
    """The loop users write: shuffled mini-batches of pre-loaded tensors,
    default torch.optim.Adadelta, loss.item() every step. Returns the mean
    seconds per step of each part by `clock` (time.process_time or
    time.perf_counter), after 50 warm-up steps."""
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10))
    optimizer = torch.optim.Adadelta(net.parameters())
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(inputs))
    per_epoch = len(inputs) // 64
    names = ("batch", "zero_grad", "forward", "backward", "optimizer", "item")
    parts = dict.fromkeys(names, 0.0)
    warm_up = 50
    for i in range(warm_up + steps):
        if i % per_epoch == 0:
            order = torch.randperm(len(inputs))
        t = [clock()]
        index = order[(i % per_epoch) * 64:(i % per_epoch + 1) * 64]
        x, y = inputs[index], labels[index]
        t.append(clock())
        optimizer.zero_grad()
        t.append(clock())
        loss = loss_fn(net(x), y)
        t.append(clock())
        loss.backward()
        t.append(clock())
        optimizer.step()
        t.append(clock())
        loss.item()
        t.append(clock())
        if i >= warm_up:
            for k, name in enumerate(names):
                parts[name] += t[k + 1] - t[k]
    return {name: total / steps for name, total in parts.items()}
