"""Add your own op: a forward on arrays, one gradient rule per input, then gradcheck it.

softplus(x) = log(1 + e^x), written stably; its derivative is sigmoid(x). The rule uses ``xp``
(NumPy on the fast path, minigrad's Tensor functions under create_graph=True), so second
derivatives work too.
"""

import numpy as np

import minigrad as mg
from minigrad.autograd import apply
from minigrad.ops import Op
from minigrad.testing import gradcheck, gradgradcheck


def _softplus(x):
    return np.logaddexp(0, x)


def _softplus_grad(xp, g, out, x):
    return g * (1 - xp.exp(-out))  # sigmoid(x) = 1 - e^(-softplus(x)), differentiable again


SOFTPLUS = Op("softplus", _softplus, (_softplus_grad,))


def softplus(x):
    return apply(SOFTPLUS, mg.as_tensor(x))


if __name__ == "__main__":
    x = mg.tensor([-3.0, -0.5, 0.0, 2.0], dtype=mg.float64, requires_grad=True)
    softplus(x).sum().backward()
    print("softplus'(x) =", x.grad)
    print("sigmoid(x)   =", x.sigmoid())
    print("gradcheck:", gradcheck(softplus, [x]))
    print("gradgradcheck:", gradgradcheck(softplus, [x]))
