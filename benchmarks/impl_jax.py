"""jax.jit: the same network as one jitted training step on the CPU (optional: the `bench` extra).

The step (forward, softmax cross-entropy, gradient, SGD update; BatchNorm running averages,
Dropout masks from a key split per step) is one ``jax.jit`` function of (params, state, x, t);
XLA fuses it. Weights are the shared He-initialised ones, in float32 or float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["available", "MLP"]

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # the optional extra is absent: the suite skips jax with a note
    jax = None


def available() -> bool:
    return jax is not None


def _layers(params: list, state: list, x: Any, kind: str, key: Any, p: float,
            momentum: float = 0.1, eps: float = 1e-5) -> tuple[Any, list]:
    new_state = []
    last = len(params) - 1
    for i, (W, b, *gb) in enumerate(params):
        x = x @ W + b
        if i == last:
            break
        if kind == "bn":
            gamma, beta = gb
            rm, rv = state[i]
            mean, var = x.mean(0), x.var(0)
            n = x.shape[0]
            new_state.append(((1 - momentum) * rm + momentum * mean,
                              (1 - momentum) * rv + momentum * var * (n / (n - 1))))
            x = (x - mean) / jnp.sqrt(var + eps) * gamma + beta
        x = jnp.maximum(x, 0)
        if kind == "dropout":
            key, sub = jax.random.split(key)
            keep = jax.random.bernoulli(sub, 1.0 - p, x.shape)
            x = jnp.where(keep, x / (1.0 - p), 0)
    return x, new_state


class MLP:
    """The W1/W2/W3 network as one ``jax.jit`` step (params and state are jax arrays)."""

    name = "jax.jit"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], dtype: Any,
                 kind: str = "plain", lr: float = 0.01, p: float = 0.15, **_: Any) -> None:
        if np.dtype(dtype) == np.float64:
            jax.config.update("jax_enable_x64", True)
        self.dtype = np.dtype(dtype)
        params: list = []
        self.state: list = []
        for i, (W, b) in enumerate(weights):
            layer = [jnp.asarray(W, self.dtype), jnp.asarray(b, self.dtype)]
            if kind == "bn" and i < len(weights) - 1:
                c = W.shape[1]
                layer += [jnp.ones(c, self.dtype), jnp.zeros(c, self.dtype)]
                self.state.append((jnp.zeros(c, self.dtype), jnp.ones(c, self.dtype)))
            params.append(tuple(layer))
        self.params = params
        self.key = jax.random.PRNGKey(0)

        def loss_fn(params: list, state: list, x: Any, t: Any, key: Any) -> tuple[Any, list]:
            logits, new_state = _layers(params, state, x, kind, key, p)
            logp = jax.nn.log_softmax(logits, axis=1)
            return -jnp.take_along_axis(logp, t[:, None], axis=1).mean(), new_state

        def step(params: list, state: list, x: Any, t: Any, key: Any) -> tuple:
            key, sub = jax.random.split(key)
            (loss, new_state), grads = jax.value_and_grad(loss_fn, has_aux=True)(
                params, state, x, t, sub)
            params = jax.tree_util.tree_map(lambda w, g: w - lr * g, params, grads)
            return params, new_state, loss, key

        self._step = jax.jit(step, donate_argnums=(0,))

    def native(self, x: np.ndarray, t: np.ndarray) -> tuple[Any, Any]:
        return jnp.asarray(x, self.dtype), jnp.asarray(t, jnp.int32)

    def take(self, X: Any, T: Any, idx: np.ndarray) -> tuple[Any, Any]:
        return X[idx], T[idx]

    def step(self, x: Any, t: Any) -> Any:
        """One jitted step; blocks until the update is done, so the time is the step's."""
        self.params, state, loss, self.key = self._step(self.params, self.state, x, t, self.key)
        if self.state:
            self.state = state
        return loss.block_until_ready()
