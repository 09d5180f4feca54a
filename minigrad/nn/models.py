"""``MLP``: the book's MultiLayerNet / MultiLayerNetExtend as one Module.

Per hidden layer: Linear -> [BatchNorm1d] -> activation -> [Dropout]; then a Linear output
(logits: pair it with ``CrossEntropyLoss``, the book's ``SoftmaxWithLoss``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..tensor import Tensor
from . import init
from .activation import GELU, LeakyReLU, ReLU, Sigmoid, Tanh
from .container import Sequential
from .layers import Dropout, Identity, Linear
from .module import Module
from .normalization import BatchNorm1d

__all__ = ["MLP", "ACTIVATIONS"]

ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU, "gelu": GELU,
    "identity": Identity,
}  # fmt: skip


def _activation(spec: str | Callable[[], Module]) -> Callable[[], Module]:
    if callable(spec) and not isinstance(spec, str):
        return spec
    factory = ACTIVATIONS.get(str(spec).lower())
    if factory is None:
        raise ValueError(f"unknown activation {spec!r}: use one of {sorted(ACTIVATIONS)} or a "
                         "Module class")
    return factory


class MLP(Module):
    """A fully connected net as the book builds it, with PyTorch's layers and layout.

    ``MLP(784, [100] * 4, 10)`` is the book's "5-layer net" (``MultiLayerNet``);
    ``batchnorm=True`` / ``dropout=p`` give ``MultiLayerNetExtend(use_batchnorm=True,
    use_dropout=True, dropout_ration=p)``. ``weight_init`` is the book's ``weight_init_std``:
    'relu'/'he' (std sqrt(2/n_in)), 'sigmoid'/'xavier' (std sqrt(1/n_in)), or a float std;
    every Linear weight (the output layer's too) is ``std * randn`` and every bias 0, as the book.
    ``weight_init=None`` keeps PyTorch's default Linear init instead.
    The book stores W as (in, out); here ``weight`` is PyTorch's (out, in): same distribution.
    Input with more than 2 dims (N, 1, 28, 28) is flattened to (N, -1), as the book's Affine.
    """

    def __init__(self, input_size: int, hidden_sizes: Sequence[int], output_size: int,
                 activation: str | Callable[[], Module] = "relu", weight_init: Any = "relu",
                 batchnorm: bool = False, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        act = _activation(activation)
        sizes = [int(input_size), *[int(h) for h in hidden_sizes], int(output_size)]
        if any(s <= 0 for s in sizes):
            raise ValueError(f"layer sizes must be positive, got {sizes}")
        self.input_size, self.output_size = sizes[0], sizes[-1]
        self.hidden_sizes = sizes[1:-1]
        layers: list[Module] = []
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            layers.append(Linear(n_in, n_out, bias=bias))
            if batchnorm:
                layers.append(BatchNorm1d(n_out))
            layers.append(act())
            if dropout > 0:
                layers.append(Dropout(dropout))
        layers.append(Linear(sizes[-2], sizes[-1], bias=bias))
        self.layers = Sequential(*layers)
        if weight_init is not None:
            self.reset_parameters(weight_init)

    def reset_parameters(self, weight_init: Any = "relu") -> None:
        """Re-draw the weights with the book's scheme (std from ``weight_init``, bias 0)."""
        for m in self.layers:
            if isinstance(m, Linear):
                init.book_normal_(m.weight, weight_init)
                if m.bias is not None:
                    init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        return self.layers(x)

    def linears(self) -> list[Linear]:
        """The Linear layers, input to output (the book's Affine1 .. Affine{L+1})."""
        return [m for m in self.layers if isinstance(m, Linear)]

    def param_groups(self, weight_decay: float = 0.0) -> list[dict[str, Any]]:
        """Optimizer parameter groups that decay the weight matrices only, as the book does.

        The book adds ``0.5 * lambda * sum(W**2)`` over every Linear weight (no bias, no
        BatchNorm gamma/beta) to the loss; its gradient ``lambda * W`` is exactly SGD's
        ``weight_decay=lambda``, so ``optim.SGD(model.param_groups(lam), lr=0.01)`` trains as the
        book (the printed loss then excludes the penalty; add ``l2_penalty(lam)`` to report it).
        """
        weights = [m.weight for m in self.linears()]
        ids = {id(w) for w in weights}
        others = [p for p in self.parameters() if id(p) not in ids]
        return [{"params": weights, "weight_decay": float(weight_decay)},
                {"params": others, "weight_decay": 0.0}]

    def l2_penalty(self, weight_decay: float) -> Tensor:
        """The book's ``0.5 * lambda * sum(W**2)`` over all weight matrices (differentiable)."""
        total: Any = 0.0
        for m in self.linears():
            total = (m.weight * m.weight).sum() + total
        return total * (0.5 * weight_decay)
