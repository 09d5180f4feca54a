"""``MultiheadAttention`` as ``torch.nn``'s: the same parameters (``in_proj_weight`` or
``q/k/v_proj_weight``, ``in_proj_bias``, ``out_proj``, optional ``bias_k``/``bias_v``), default
initialisation, masks (bool: True means *not* attended; float: added), ``batch_first`` and
unbatched input, and the averaged or per-head attention weights."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..devices import check_cpu
from ..dtypes import get_default_dtype
from ..ops.shape import cat
from ..tensor import Tensor, as_tensor
from . import functional as F
from . import init
from .layers import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for the output projection (it only matters to quantisation and the repr)."""


def _float_mask(mask: Any, dtype: np.dtype) -> Tensor | None:
    """A bool mask (True = masked out) as -inf/0, a float mask as it is."""
    if mask is None:
        return None
    m = as_tensor(mask)
    if m.dtype.kind == "b":
        return Tensor._wrap(np.where(m._data, -np.inf, 0.0).astype(dtype))
    return m


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads``."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_cpu(device)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim="
                             f"{embed_dim} and num_heads={num_heads} instead")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)

        def p(*shape: int) -> Parameter:
            return Parameter(np.empty(shape, dt))

        if not self._qkv_same_embed_dim:
            self.q_proj_weight = p(embed_dim, embed_dim)
            self.k_proj_weight = p(embed_dim, self.kdim)
            self.v_proj_weight = p(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = p(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        if bias:
            self.in_proj_bias = p(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dt)
        if add_bias_kv:
            self.bias_k = p(1, 1, embed_dim)
            self.bias_v = p(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projections(self) -> list[tuple[Tensor, Tensor | None]]:
        e = self.embed_dim
        b = self.in_proj_bias
        bs = [None] * 3 if b is None else [b[:e], b[e:2 * e], b[2 * e:]]
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            ws = [w[:e], w[e:2 * e], w[2 * e:]]
        else:
            ws = [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]
        return list(zip(ws, bs))

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """(output, weights): output shaped as ``query``; weights (N, L, S), per head
        (N, H, L, S) without averaging, or None when ``need_weights`` is False."""
        q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                               "Transformer module method `generate_square_subsequent_mask` to "
                               "create this mask.")
        batched = q.ndim == 3
        if not batched:
            q, k, v = q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = as_tensor(key_padding_mask).unsqueeze(0)
        elif not self.batch_first:
            q, k, v = (t.transpose(0, 1) for t in (q, k, v))
        out, weights = self._attend(q, k, v, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights)
        if not batched:
            return out.squeeze(0), None if weights is None else weights.squeeze(0)
        return (out if self.batch_first else out.transpose(0, 1)), weights

    def _attend(self, q: Tensor, k: Tensor, v: Tensor, kpm: Any, need_weights: bool,
                attn_mask: Any, average: bool) -> tuple[Tensor, Tensor | None]:
        n, big_l, e = q.shape
        h, d = self.num_heads, self.head_dim
        (wq, bq), (wk, bk), (wv, bv) = self._projections()
        q, k, v = F.linear(q, wq, bq), F.linear(k, wk, bk), F.linear(v, wv, bv)
        mask = _float_mask(attn_mask, q.dtype)
        kpm = _float_mask(kpm, q.dtype)
        if self.bias_k is not None:
            k = cat([k, self.bias_k.expand(n, 1, e)], 1)
            v = cat([v, self.bias_v.expand(n, 1, e)], 1)
            mask, kpm = _pad(mask), _pad(kpm)
        s = k.shape[1]
        q, k, v = (t.reshape(n, t.shape[1], h, d).transpose(1, 2) for t in (q, k, v))
        if self.add_zero_attn:
            zeros = Tensor._wrap(np.zeros((n, h, 1, d), q.dtype))
            k, v = cat([k, zeros], 2), cat([v, zeros], 2)
            mask, kpm = _pad(mask), _pad(kpm)
            s += 1
        bias = None
        if mask is not None:
            bias = mask.reshape(n, h, big_l, s) if mask.ndim == 3 else mask
        if kpm is not None:
            kb = kpm.reshape(n, 1, 1, s)
            bias = kb if bias is None else bias + kb
        p = self.dropout if self.training else 0.0
        scores = (q * math.sqrt(1.0 / d)).matmul(k.transpose(-2, -1))
        if bias is not None:
            scores = scores + bias
        attn = F.softmax(scores, -1)
        if p > 0.0:
            attn = F.dropout(attn, p)
        out = attn.matmul(v).transpose(1, 2).reshape(n, big_l, e)
        out = self.out_proj(out)
        if not need_weights:
            return out, None
        return out, (attn.mean(1) if average else attn)


def _pad(mask: Tensor | None) -> Tensor | None:
    """One more (zero, attended) key column at the end of a mask."""
    if mask is None:
        return None
    zeros = Tensor._wrap(np.zeros(mask.shape[:-1] + (1,), mask.dtype))
    return cat([mask, zeros], -1)
