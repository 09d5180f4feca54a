"""Second derivatives with create_graph=True: Newton's method on a scalar function.

f(x) = x^4 - 2x^2 has f''(2) = 44; Newton steps x -= f'(x)/f''(x) find a minimum at x = 1.
"""

import minigrad as mg
from minigrad.autograd import grad


def f(x):
    return x ** 4 - 2 * x ** 2


def newton(x0, steps=8):
    x = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
    for i in range(steps):
        (g,) = grad(f(x), x, create_graph=True)  # f'(x), itself differentiable
        (h,) = grad(g, x)  # f''(x)
        with mg.no_grad():
            x -= g / h  # in place: x stays the same leaf
        print(f"step {i + 1}: x = {x.item():.12f}")
    return x.item()


if __name__ == "__main__":
    x = mg.tensor(2.0, requires_grad=True)
    (g,) = grad(f(x), x, create_graph=True)
    (h,) = grad(g, x)
    print(f"f'(2) = {g.item()}, f''(2) = {h.item()}")
    newton(3.0)
