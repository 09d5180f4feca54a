"""Distances, embeddings, normalisations and attention of ``minigrad.nn.functional``:
cosine_similarity, pairwise_distance, normalize, embedding, layer_norm, group_norm, rms_norm and
scaled_dot_product_attention, with PyTorch's signatures, formulas and errors.

Norms are one op (:data:`~minigrad.ops.nn_more.LP_NORM`, gradient 0 at a zero vector as
torch's), layer norm is one fused op, and group norm reuses it over (N, G, -1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import apply, no_grad
from ..dtypes import torch_name
from ..ops import elementwise as _ew
from ..ops import nn_more as _more
from ..promotion import promote_all
from ..tensor import Tensor, as_tensor, bump

__all__ = ["cosine_similarity", "pairwise_distance", "normalize", "embedding", "layer_norm",
           "group_norm", "rms_norm", "scaled_dot_product_attention"]  # fmt: skip


def _dim(d: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return d % n


def _norm(x: Tensor, p: float, dims: tuple[int, ...], keepdim: bool) -> Tensor:
    return apply(_more.LP_NORM, x, p=float(p), axis=dims, keepdim=keepdim)


def _broadcast_pair(x1: Any, x2: Any) -> tuple[Tensor, Tensor]:
    a, b = as_tensor(x1), as_tensor(x2)
    if a.dtype != b.dtype:
        a, b = promote_all(a, b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    return (a if a.shape == shape else a.expand(*shape),
            b if b.shape == shape else b.expand(*shape))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)))`` along ``dim``, as torch 2.13:
    each input is divided by its own norm first, and the clamp to ``eps`` is outside the graph
    (the gradient flows through the unclamped norm)."""
    a, b = _broadcast_pair(x1, x2)
    d = _dim(dim, a.ndim)
    if a.ndim == 0:
        a, b = a.reshape(1), b.reshape(1)
    na, nb = _norm(a, 2, (d,), True), _norm(b, 2, (d,), True)
    na = na + Tensor._wrap(np.maximum(na._data, eps) - na._data)  # clamp_min_ under no_grad
    nb = nb + Tensor._wrap(np.maximum(nb._data, eps) - nb._data)
    return ((a / na) * (b / nb)).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim (of the broadcast shape)."""
    a, b = as_tensor(x1), as_tensor(x2)
    if a.dtype != b.dtype:
        a, b = promote_all(a, b)
    diff = a - b + eps
    if diff.ndim == 0:
        return _norm(diff.reshape(1), p, (0,), False).reshape(())
    return _norm(diff, p, (diff.ndim - 1,), keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim)
    denom = _ew.clamp(_norm(x if x.ndim else x.reshape(1), p, (d,), True), min=eps)
    res = x / (denom if x.ndim else denom.reshape(()))
    if out is not None:
        out.copy_(res)
        return out
    return res


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the integer indices ``input``: shape ``input.shape + (dim,)``.

    The row ``padding_idx`` gets no gradient; ``max_norm`` first rescales, in place, each looked-up
    row whose ``norm_type``-norm exceeds it; ``scale_grad_by_freq`` divides each row's gradient
    by how often its index occurs in ``input``.
    """
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"torch.{torch_name(idx.dtype).capitalize()}Tensor instead (while "
                           "checking arguments for embedding)")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported (minigrad has "
                                  "no sparse tensors); use sparse=False")
    num = weight.shape[0]
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    pad = _padding_idx(padding_idx, num)
    if max_norm is not None:
        _renorm(weight, idx, float(max_norm), float(norm_type))
    coef = None
    if pad is not None or scale_grad_by_freq:
        coef = np.ones(idx.shape)
        if scale_grad_by_freq:
            counts = np.bincount(idx.reshape(-1), minlength=num)
            coef = coef / counts[idx]
        if pad is not None:
            coef = coef * (idx != pad)
    return apply(_more.EMBEDDING, weight, indices=idx.astype(np.int64, copy=False), coef=coef)


def _padding_idx(padding_idx: int | None, num: int) -> int | None:
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num
    return padding_idx


def _renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """torch.embedding_renorm_: scale rows over ``max_norm`` to it, in place, outside the graph."""
    rows = np.unique(idx.reshape(-1))
    w = weight._data
    with no_grad():
        norms = _more._lp_fwd(w[rows], norm_type, (1,), False)
    big = norms > max_norm
    if big.any():
        r = rows[big]
        w[r] *= (max_norm / (norms[big] + 1e-7)).astype(w.dtype)[:, None]
        bump(weight)


def _shape_tuple(normalized_shape: Any) -> tuple[int, ...]:
    if isinstance(normalized_shape, int | np.integer):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _functional_shape(normalized_shape: Any, who: str) -> tuple[int, ...]:
    """F.layer_norm/rms_norm take a tuple or list of ints (the modules take an int too)."""
    if not isinstance(normalized_shape, tuple | list):
        raise TypeError(f"{who}(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    return _shape_tuple(normalized_shape)


def _check_normalized(x: Tensor, shape: tuple[int, ...], weight: Any, bias: Any,
                      sep: str = ", ") -> None:
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{sep}{', '.join(str(s) for s in shape)}], but got input of size"
                           f"{list(x.shape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(shape)}")


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims (biased variance), then
    ``* weight + bias``; one fused op with one backward for all three inputs."""
    x = as_tensor(input)
    shape = _functional_shape(normalized_shape, "layer_norm")
    _check_normalized(x, shape, weight, bias)
    args = [x] + [t for t in (weight, bias) if t is not None]
    return apply(_more.LAYER_NORM, *args, k=len(shape), eps=float(eps),
                 weight=weight is not None, bias=bias is not None, stats={})


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each of ``num_groups`` groups of channels (dim 1) per sample, then scale and
    shift per channel."""
    x = as_tensor(input)
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{x.ndim}")
    n, c = x.shape[0], x.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    grouped = x.reshape(n, num_groups, c // num_groups * math.prod(x.shape[2:]))
    y = apply(_more.LAYER_NORM, grouped, k=1, eps=float(eps), weight=False, bias=False,
              stats={}).reshape(*x.shape)
    pshape = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(*pshape)
    if bias is not None:
        y = y + bias.reshape(*pshape)
    return y


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last dims; ``eps=None`` is the dtype's
    machine epsilon, as torch."""
    x = as_tensor(input)
    shape = _functional_shape(normalized_shape, "rms_norm")
    _check_normalized(x, shape, weight, None, sep="")
    e = float(np.finfo(x.dtype).eps) if eps is None else float(eps)
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    y = x * _ew.sqrt((x * x).mean(dims, keepdim=True) + e).reciprocal()
    return y if weight is None else y * weight


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(q k^T * scale + bias) v`` over (..., L, E) queries and (..., S, E) keys, as
    torch's reference: a bool ``attn_mask`` keeps where True, a float one is added, ``is_causal``
    keeps the lower triangle; dropout (``dropout_p``) draws from ``minigrad.random``."""
    from .functional import dropout, softmax

    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError("scaled_dot_product_attention: query, key and value must be at least "
                           "2-D (..., L, E)")
    big_l, big_s = q.shape[-2], k.shape[-2]
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        rep = q.shape[-3] // k.shape[-3]
        k, v = _repeat_heads(k, rep), _repeat_heads(v, rep)
    scores = q.matmul(k.transpose(-2, -1)) * s
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        keep = np.tril(np.ones((big_l, big_s), bool))
        scores = scores + Tensor._wrap(np.where(keep, 0.0, -np.inf).astype(scores.dtype))
    if attn_mask is not None:
        m = as_tensor(attn_mask)
        if m.dtype.kind == "b":
            scores = scores + Tensor._wrap(np.where(m._data, 0.0, -np.inf).astype(scores.dtype))
        else:
            scores = scores + m
    attn = softmax(scores, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return attn.matmul(v)


def _repeat_heads(t: Tensor, rep: int) -> Tensor:
    """``repeat_interleave(rep, dim=-3)``: each key/value head serves ``rep`` query heads."""
    lead, h, s, e = t.shape[:-3], t.shape[-3], t.shape[-2], t.shape[-1]
    return t.unsqueeze(-3).expand(*lead, h, rep, s, e).reshape(*lead, h * rep, s, e)
