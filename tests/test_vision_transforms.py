"""minigrad.vision.transforms against their definitions (torchvision's documentation) and torch:
ToTensor and Normalize bit for bit, padding modes, crop windows, seeded reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.random import get_rng
from minigrad.vision import transforms as T

torch = pytest.importorskip("torch", reason="side-by-side tests need torch (CI: torch==2.13.0)")


def _image(h=5, w=7, c=None, dtype=np.uint8):
    shape = (h, w) if c is None else (h, w, c)
    return get_rng().integers(0, 256, shape).astype(dtype)


# ---------------------------------------------------------------- ToTensor / Normalize


@pytest.mark.parametrize("c", [None, 1, 3])
def test_to_tensor_scales_uint8_as_torchvision(c):
    img = _image(c=c)
    out = T.ToTensor()(img)
    chw = img[None] if c is None else img.transpose(2, 0, 1)
    # torchvision: torch.from_numpy(pic.transpose(2, 0, 1)).contiguous().float().div(255)
    expect = torch.from_numpy(np.ascontiguousarray(chw)).to(torch.float32).div(255).numpy()
    assert out.dtype == np.float32 and out.shape == expect.shape
    np.testing.assert_array_equal(out.numpy(), expect)
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16])
def test_to_tensor_keeps_other_dtypes_and_values(dtype):
    img = _image(c=2, dtype=dtype)
    out = T.ToTensor()(img)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.numpy(), img.transpose(2, 0, 1))


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(minigrad.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="2/3 dimensional. Got 1"):
        T.ToTensor()(np.zeros(4, np.uint8))


def test_normalize_is_sub_then_div_per_channel_as_torch():
    x = T.ToTensor()(_image(c=3))
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = T.Normalize(mean, std)(x)
    t = torch.from_numpy(x.numpy().copy())
    expect = t.sub(torch.tensor(mean).view(-1, 1, 1)).div(torch.tensor(std).view(-1, 1, 1))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), expect.numpy())
    manual = (x.numpy() - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None]
    np.testing.assert_array_equal(out.numpy(), manual)
    assert out is not x and not np.array_equal(x.numpy(), out.numpy())


def test_normalize_inplace_and_batches():
    x = minigrad.tensor(get_rng().random((2, 1, 3, 3)), dtype=minigrad.float64)
    before = x.numpy().copy()
    out = T.Normalize((0.5,), (0.25,), inplace=True)(x)
    assert out is x and x.dtype == np.float64
    np.testing.assert_array_equal(x.numpy(), (before - 0.5) / 0.25)


def test_normalize_errors_as_torchvision():
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize((0,), (1,))(minigrad.zeros(1, 2, 2, dtype=minigrad.int64))
    with pytest.raises(ValueError, match="size \\(..., C, H, W\\)"):
        T.Normalize((0,), (1,))(minigrad.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0,), (0,))(minigrad.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="Tensor Image"):
        T.Normalize((0,), (1,))(np.zeros((1, 2, 2), np.float32))


def test_compose_and_lambda():
    pipeline = T.Compose([T.Lambda(lambda a: a + 1), T.Lambda(lambda a: a * 10)])
    assert pipeline(1) == 20
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)
    assert "Lambda()" in repr(pipeline)


# ---------------------------------------------------------------- padding and crops


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes_follow_their_definitions(mode):
    row = np.array([[1, 2, 3, 4]], np.uint8)
    out = T.pad(row, [2, 0], fill=9, padding_mode=mode)  # left/right 2, top/bottom 0
    expect = {"constant": [9, 9, 1, 2, 3, 4, 9, 9], "edge": [1, 1, 1, 2, 3, 4, 4, 4],
              "reflect": [3, 2, 1, 2, 3, 4, 3, 2], "symmetric": [2, 1, 1, 2, 3, 4, 4, 3]}[mode]
    assert out.tolist() == [expect]  # the examples in torchvision's documentation


@pytest.mark.parametrize("mode, torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                              ("reflect", "reflect")])
def test_pad_on_tensors_matches_torch_pad(mode, torch_mode):
    x = minigrad.tensor(get_rng().random((3, 5, 6)), dtype=minigrad.float32)
    out = T.pad(x, [1, 2, 3, 4], padding_mode=mode)  # left, top, right, bottom
    expect = torch.nn.functional.pad(torch.from_numpy(x.numpy().copy()), (1, 3, 2, 4),
                                     mode=torch_mode)
    assert tuple(out.shape) == (3, 11, 10)
    np.testing.assert_array_equal(out.numpy(), expect.numpy())


def test_pad_per_channel_fill_and_errors():
    img = np.zeros((2, 2, 3), np.uint8)
    out = T.pad(img, 1, fill=(1, 2, 3))
    assert out.shape == (4, 4, 3) and out.dtype == np.uint8
    assert out[0, 0].tolist() == [1, 2, 3] and out[1, 1].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="constant, edge, reflect or symmetric"):
        T.pad(img, 1, padding_mode="wrap")
    with pytest.raises(ValueError, match="not a 3 element tuple"):
        T.pad(img, (1, 2, 3))
    with pytest.raises(TypeError, match="inappropriate padding"):
        T.pad(img, "1")


def _windows(padded, h, w):
    return [padded[i:i + h, j:j + w] for i in range(padded.shape[0] - h + 1)
            for j in range(padded.shape[1] - w + 1)]


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_random_crop_is_a_window_of_the_padded_image(mode):
    img = _image(6, 6)
    crop = T.RandomCrop(6, padding=2, padding_mode=mode, fill=7)
    padded = np.pad(img, 2, mode=mode, **({"constant_values": 7} if mode == "constant" else {}))
    windows = _windows(padded, 6, 6)
    minigrad.manual_seed(0)
    outs = [crop(img) for _ in range(40)]
    for out in outs:
        assert out.shape == (6, 6) and out.dtype == np.uint8
        assert any(np.array_equal(out, w) for w in windows)
    assert len({out.tobytes() for out in outs}) > 5  # positions vary
    minigrad.manual_seed(0)
    assert all(np.array_equal(a, crop(img)) for a in outs)  # the same seed, the same crops


def test_random_crop_draws_rows_then_columns_with_randint():
    """torchvision's get_params: ``i = randint(0, h - th + 1)``, then ``j`` the same way."""
    img = _image(10, 12)
    minigrad.manual_seed(3)
    out = T.RandomCrop((4, 5))(img)
    minigrad.manual_seed(3)
    i = minigrad.randint(0, 7, size=(1,)).item()
    j = minigrad.randint(0, 8, size=(1,)).item()
    np.testing.assert_array_equal(out, img[i:i + 4, j:j + 5])
    assert T.RandomCrop((10, 12)).get_params(img, (10, 12)) == (0, 0, 10, 12)


def test_random_crop_pad_if_needed_pads_both_sides_and_size_errors():
    img = _image(3, 4)
    out = T.RandomCrop((5, 8), pad_if_needed=True, fill=255)(img)
    assert out.shape == (5, 8)  # torchvision pads (8 - 4) on left AND right, then crops
    with pytest.raises(ValueError, match=r"Required crop size \(5, 8\) is larger"):
        T.RandomCrop((5, 8))(img)
    with pytest.raises(ValueError, match="only two dimensions"):
        T.RandomCrop((1, 2, 3))
    assert T.RandomCrop([4]).size == (4, 4)


def test_random_crop_on_a_tensor_crops_the_last_two_dims():
    x = minigrad.tensor(get_rng().random((2, 6, 6)), dtype=minigrad.float32)
    minigrad.manual_seed(5)
    out = T.RandomCrop(4, padding=1, padding_mode="reflect")(x)
    assert isinstance(out, minigrad.Tensor) and tuple(out.shape) == (2, 4, 4)
    padded = np.pad(x.numpy(), ((0, 0), (1, 1), (1, 1)), mode="reflect")
    assert any(np.array_equal(out.numpy(), padded[:, i:i + 4, j:j + 4])
               for i in range(5) for j in range(5))


# ---------------------------------------------------------------- flips


def test_horizontal_flip_mirrors_columns():
    img = _image(4, 5, c=3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(img), img[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(img), img)
    x = T.ToTensor()(img)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x).numpy(),
                                  x.numpy()[:, :, ::-1])


def test_horizontal_flip_draws_one_rand_per_call_from_the_seeded_generator():
    img = _image(3, 3)
    flip = T.RandomHorizontalFlip()
    minigrad.manual_seed(11)
    flipped = [not np.array_equal(flip(img), img) for _ in range(200)]
    minigrad.manual_seed(11)
    expect = [minigrad.rand(1).item() < 0.5 for _ in range(200)]
    assert flipped == expect and 60 < sum(flipped) < 140


def test_a_seeded_augmentation_pipeline_repeats():
    pipeline = T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                          T.Normalize((0.1307,), (0.3081,))])
    img = _image(28, 28)
    runs = []
    for _ in range(2):
        minigrad.manual_seed(42)
        runs.append(np.stack([pipeline(img).numpy() for _ in range(10)]))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0].shape == (10, 1, 28, 28) and runs[0].dtype == np.float32
