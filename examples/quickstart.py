"""minigrad in a minute: tensors, backward, and an optimizer fitting a line."""

import minigrad as mg

mg.manual_seed(0)
x = mg.linspace(-1, 1, 50).reshape(50, 1)
y = 3 * x + 0.5 + 0.1 * mg.randn(50, 1)  # data from a line, with noise

w = mg.zeros(1, 1, requires_grad=True)
b = mg.zeros(1, requires_grad=True)
loss = ((x @ w + b - y) ** 2).mean()
loss.backward()  # every op recorded how to differentiate itself
print("loss", round(loss.item(), 4), "dloss/dw", w.grad.item(), "dloss/db", b.grad.item())

opt = mg.optim.SGD([w, b], lr=0.5)
for _ in range(100):
    opt.zero_grad()
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    opt.step()  # w -= lr * w.grad, in place
print(f"fitted w = {w.item():.3f}, b = {b.item():.3f}, loss = {loss.item():.4f}")
