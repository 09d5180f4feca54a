"""Image transforms with torchvision's names, arguments and semantics (``torchvision.transforms``).

Images before ``ToTensor`` are NumPy arrays laid out as PIL images are, H x W or H x W x C
(what ``minigrad.vision.datasets`` returns instead of a PIL image); after it they are Tensors
laid out C x H x W (or ... x C x H x W). Random transforms draw from minigrad's seeded
generator (``minigrad.manual_seed``), one ``rand(1)`` or ``randint`` call where torchvision
makes the same call on torch's, so a seeded pipeline repeats exactly.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..creation import from_numpy, rand, randint, tensor
from ..ops.scan import flip
from ..tensor import Tensor

__all__ = [
    "Compose",
    "Lambda",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "ToTensor",
    "to_tensor",
    "normalize",
    "hflip",
    "pad",
    "crop",
]

_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


class Compose:
    """Apply several transforms one after the other."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class Lambda:
    """A user function as a transform."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def to_tensor(pic: Any) -> Tensor:
    """An H x W (x C) image array as a C x H x W Tensor; uint8 scaled to float32 in [0, 1].

    As torchvision: other dtypes keep their dtype and values (a float64 image stays float64).
    Objects with an array interface (a PIL image) are read with ``np.asarray``.
    """
    if isinstance(pic, Tensor) or not (isinstance(pic, np.ndarray) or
                                       hasattr(pic, "__array_interface__")):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    arr = np.asarray(pic)
    if arr.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return from_numpy(chw.astype(np.float32) / np.float32(255.0))
    return from_numpy(chw)


class ToTensor:
    """Convert an H x W (x C) image array to a C x H x W Tensor (uint8 -> float32 in [0, 1])."""

    def __call__(self, pic: Any) -> Tensor:
        return to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def normalize(tensor_: Tensor, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Tensor:
    """``(x - mean[c]) / std[c]`` per channel of a float (..., C, H, W) Tensor, in its dtype."""
    if not isinstance(tensor_, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor_)}")
    if tensor_.ndim < 2:
        raise TypeError("Tensor is not a torch image.")
    if np.dtype(tensor_.dtype).kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor_.dtype}.")
    if tensor_.ndim < 3:
        raise ValueError(
            "Expected tensor to be a tensor image of size (..., C, H, W). Got "
            f"tensor.size() = {tuple(tensor_.shape)}"
        )
    x = tensor_ if inplace else tensor_.clone()
    m = tensor(mean, dtype=x.dtype)
    s = tensor(std, dtype=x.dtype)
    if bool((s == 0).any()):
        raise ValueError(
            f"std evaluated to zero after conversion to {x.dtype}, leading to division by zero."
        )
    if m.ndim == 1:
        m = m.reshape(-1, 1, 1)
    if s.ndim == 1:
        s = s.reshape(-1, 1, 1)
    return x.sub_(m).div_(s)


class Normalize:
    """Normalize each channel: ``(x - mean[c]) / std[c]`` (after ``ToTensor``)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor_: Tensor) -> Tensor:
        return normalize(tensor_, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


def _hw_axes(img: Any) -> tuple[int, int]:
    """The height and width axes: (-2, -1) for a Tensor, (0, 1) for an H x W (x C) array."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError("Tensor is not a torch image.")
        return img.ndim - 2, img.ndim - 1
    if not isinstance(img, np.ndarray) or img.ndim not in (2, 3):
        raise TypeError(f"img should be an H x W (x C) ndarray or a Tensor. Got {type(img)}")
    return 0, 1


def hflip(img: Any) -> Any:
    """Mirror left to right (a Tensor's last dim, an image array's second)."""
    if isinstance(img, Tensor):
        _hw_axes(img)
        return flip(img, (-1,))
    _hw_axes(img)
    return img[:, ::-1].copy()


class RandomHorizontalFlip:
    """Mirror the image left to right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if rand(1).item() < self.p:
            return hflip(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


def _padding_ltrb(padding: Any) -> tuple[int, int, int, int]:
    """torchvision's padding argument as (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        p = int(padding)
        return p, p, p, p
    if not isinstance(padding, Sequence) or isinstance(padding, str):
        raise TypeError("Got inappropriate padding arg")
    if len(padding) not in (1, 2, 4):
        raise ValueError(
            f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
            "tuple"
        )
    p = [int(v) for v in padding]
    if len(p) == 1:
        return p[0], p[0], p[0], p[0]
    if len(p) == 2:
        return p[0], p[1], p[0], p[1]
    return p[0], p[1], p[2], p[3]


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad the borders (int: all sides; (lr, tb); (left, top, right, bottom)) as torchvision."""
    if padding_mode not in _PADDING_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding_ltrb(padding)
    h_ax, w_ax = _hw_axes(img)
    arr = img._data if isinstance(img, Tensor) else img
    widths = [(0, 0)] * arr.ndim
    widths[h_ax], widths[w_ax] = (top, bottom), (left, right)
    if padding_mode != "constant":
        out = np.pad(arr, widths, mode=padding_mode)
    elif isinstance(fill, numbers.Number) or arr.ndim == 2 or isinstance(img, Tensor):
        out = np.pad(arr, widths, mode="constant", constant_values=fill)
    else:  # one fill value per channel of an H x W x C image
        out = np.stack([np.pad(arr[..., c], widths[:2], constant_values=v)
                        for c, v in enumerate(fill)], axis=-1).astype(arr.dtype)
    return from_numpy(out) if isinstance(img, Tensor) else out


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height`` x ``width`` window whose top-left corner is (``top``, ``left``)."""
    h_ax, _ = _hw_axes(img)
    if isinstance(img, Tensor):
        return img[(slice(None),) * h_ax + (slice(top, top + height), slice(left, left + width))]
    return img[top : top + height, left : left + width].copy()


def _setup_size(size: Any) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return int(size[0]), int(size[1])


def _image_size(img: Any) -> tuple[int, int]:
    h_ax, w_ax = _hw_axes(img)
    return img.shape[h_ax], img.shape[w_ax]


class RandomCrop:
    """Crop a ``size`` window at a random place, after optional padding (torchvision's order)."""

    def __init__(self, size: int | Sequence[int], padding: Any = None, pad_if_needed: bool = False,
                 fill: Any = 0, padding_mode: str = "constant") -> None:
        self.size = _setup_size(size)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """``(top, left, height, width)`` of a random crop, drawn as torchvision draws them."""
        h, w = _image_size(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = int(randint(0, h - th + 1, size=(1,)).item())
        j = int(randint(0, w - tw + 1, size=(1,)).item())
        return i, j, th, tw

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        height, width = _image_size(img)
        if self.pad_if_needed and width < self.size[1]:  # as torchvision: both sides padded
            img = pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return crop(img, i, j, h, w)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"
