"""minigrad.vision on the real offline files: torchvision's folder layout, the fallback and its
log line, sample types, and a usual PyTorch MNIST script run end to end (quick mode)."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest

import minigrad
from minigrad.datasets import DatasetError, load_bundled, write_idx
from minigrad.datasets.sources import get_spec
from minigrad.utils.data import DataLoader, Subset, default_collate
from minigrad.vision import datasets, transforms

FASHION_SYSTEM = "/usr/share/datasets/fashion-mnist"
needs_fashion = pytest.mark.skipif(
    not os.path.isfile(os.path.join(FASHION_SYSTEM, "t10k-labels-idx1-ubyte.gz")),
    reason="Debian's dataset-fashion-mnist is not installed",
)
NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")
MNIST_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
                 "6 - six", "7 - seven", "8 - eight", "9 - nine"]  # torchvision's lists
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No environment folders and an empty user cache: only root, system and bundled remain."""
    for var in ("MINIGRAD_DATA", "MINIGRAD_FASHION_MNIST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.fixture(scope="module")
def mnist_root(tmp_path_factory):
    """``root/MNIST/raw`` with the four uncompressed IDX files at MNIST's sizes, built from the
    bundled subset (tiled: 4,000 -> 60,000 train, 1,000 -> 10,000 test)."""
    (x, t), (xt, tt), _ = load_bundled()
    root = tmp_path_factory.mktemp("tv")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    arrays = (np.tile(x, (15, 1, 1)), np.tile(t, 15), np.tile(xt, (10, 1, 1)), np.tile(tt, 10))
    for name, a in zip(NAMES, arrays, strict=True):
        write_idx(raw / name, a)
    return root, arrays


def _vision_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "minigrad.vision"]


# ---------------------------------------------------------------- the folder layout


def test_torchvision_layout_is_read_without_a_log_line(mnist_root, caplog):
    root, (x, t, xt, tt) = mnist_root
    with caplog.at_level(logging.INFO):
        train = datasets.MNIST(str(root), train=True)
        test = datasets.MNIST(root, train=False, download=False)
    assert _vision_lines(caplog) == []
    assert train.source.kind == "root" and train.source.location == str(root / "MNIST" / "raw")
    assert len(train) == 60000 and len(test) == 10000
    assert train.data.dtype == np.uint8 and tuple(train.data.shape) == (60000, 28, 28)
    assert test.targets.dtype == np.int64 and tuple(test.targets.shape) == (10000,)
    np.testing.assert_array_equal(train.data.numpy(), x)
    np.testing.assert_array_equal(test.targets.numpy(), tt.astype(np.int64))
    assert train.classes == MNIST_CLASSES and train.root == str(root)
    assert train.raw_folder == str(root / "MNIST" / "raw")


def test_samples_are_uint8_arrays_and_int_labels(mnist_root):
    root, (x, t, _, _) = mnist_root
    ds = datasets.MNIST(root)
    img, label = ds[7]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    assert type(label) is int and label == int(t[7])
    np.testing.assert_array_equal(img, x[7])
    img[:] = 0  # a sample is the caller's: the dataset is not changed
    np.testing.assert_array_equal(ds[7][0], x[7])
    seen = []
    ds = datasets.MNIST(root, transform=lambda a: seen.append(a) or "img",
                        target_transform=lambda y: y + 100)
    assert ds[3] == ("img", int(t[3]) + 100) and seen[0].shape == (28, 28)


def test_loader_without_transforms_gives_what_collate_gives(mnist_root):
    root, _ = mnist_root
    ds = Subset(datasets.MNIST(root, train=False), range(50))
    fast = list(DataLoader(ds, batch_size=16))
    slow = list(DataLoader(ds, batch_size=16, collate_fn=default_collate))
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        assert fx.dtype == sx.dtype == np.uint8 and fy.dtype == sy.dtype == np.int64
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
    assert tuple(fast[0][0].shape) == (16, 28, 28)


def test_unreadable_files_in_root_raise_instead_of_falling_back(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in NAMES:
        (raw / name).write_bytes(b"not an idx file")
    with pytest.raises(DatasetError):
        datasets.MNIST(tmp_path)


def test_root_must_be_a_path():
    with pytest.raises(TypeError, match="root"):
        datasets.MNIST(None)


# ---------------------------------------------------------------- the fallback


def test_empty_root_falls_back_to_the_bundled_subset_with_one_line(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        ds = datasets.MNIST(tmp_path, train=False)
    (lines,) = _vision_lines(caplog)
    assert str(tmp_path / "MNIST" / "raw") in lines
    assert all(f"{n}[.gz]" in lines for n in NAMES)
    assert "bundled source" in lines and "1000 test" in lines and "subset" in lines
    assert ds.source.kind == "bundled" and len(ds) == 1000
    _, (xt, tt), _ = load_bundled()
    np.testing.assert_array_equal(ds.data.numpy(), xt)


def test_an_incomplete_root_names_only_what_is_missing(tmp_path, caplog):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.zeros(10000, np.uint8))
    with caplog.at_level(logging.INFO):
        datasets.MNIST(tmp_path, train=False)
    (line,) = _vision_lines(caplog)
    assert "t10k-labels" not in line and "t10k-images-idx3-ubyte[.gz]" in line


@needs_fashion
def test_fashion_falls_back_to_debians_files(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        ds = datasets.FashionMNIST(str(tmp_path), train=False)
    (line,) = _vision_lines(caplog)
    assert str(tmp_path / "FashionMNIST" / "raw") in line
    assert f"system source {FASHION_SYSTEM}" in line and "subset" not in line
    assert ds.source.kind == "system" and len(ds) == 10000 and ds.classes == FASHION_CLASSES
    img, label = ds[0]
    assert img.dtype == np.uint8 and img.shape == (28, 28) and label == 9  # an ankle boot


@needs_fashion
def test_download_fills_the_raw_folder_then_it_is_used(tmp_path, caplog):
    """``download=True`` fetches (a file:// mirror of Debian's files, checksums checked) into
    ``root/FashionMNIST/raw``; the next load reads them there without a fallback."""

    class FashionMNIST(datasets.FashionMNIST):
        spec = get_spec("fashion-mnist").replace(mirrors=("file://" + FASHION_SYSTEM + "/",))

    with caplog.at_level(logging.INFO):
        first = FashionMNIST(tmp_path, train=False, download=True)
        again = FashionMNIST(tmp_path, train=False)
    assert _vision_lines(caplog) == []
    raw = tmp_path / "FashionMNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(n + ".gz" for n in NAMES)
    assert first.source.kind == "download" and again.source.kind == "root"
    np.testing.assert_array_equal(first.data.numpy(), again.data.numpy())


def test_a_failed_download_falls_back_and_says_why(tmp_path, caplog):
    class MNIST(datasets.MNIST):
        spec = get_spec("mnist").replace(mirrors=("file://" + str(tmp_path / "no-mirror") + "/",))

    with caplog.at_level(logging.INFO):
        ds = MNIST(tmp_path / "data", train=False, download=True)
    (line,) = _vision_lines(caplog)
    assert "could not be downloaded" in line and "bundled source" in line
    assert ds.source.kind == "bundled"


# ---------------------------------------------------------------- a usual PyTorch script


def _usual_mnist_script(root, quick=True):
    """The shape of PyTorch's examples/mnist with ``torch`` -> ``minigrad`` and
    ``torchvision`` -> ``minigrad.vision``: Linear layers, Normalize, Adam-free SGD + StepLR."""
    torch = minigrad
    nn, F, optim = minigrad.nn, minigrad.nn.functional, minigrad.optim
    from minigrad.optim.lr_scheduler import StepLR

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            return F.log_softmax(self.fc2(x), dim=1)

    torch.manual_seed(1)
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.MNIST(root, train=True, download=False, transform=transform)
    test_set = datasets.MNIST(root, train=False, transform=transform)
    if quick:
        train_set, test_set = Subset(train_set, range(1024)), Subset(test_set, range(256))
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=128)
    model = Net()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses, accuracies = [], []
    for _epoch in range(1, 3):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                pred = model(data).argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        accuracies.append(correct / len(test_loader.dataset))
        scheduler.step()
    return losses, accuracies, optimizer.param_groups[0]["lr"]


def test_usual_pytorch_mnist_script_runs_end_to_end(tmp_path):
    losses, accuracies, lr = _usual_mnist_script(tmp_path)  # falls back to the bundled subset
    assert len(losses) == 2 * 16 and all(np.isfinite(losses))
    assert np.mean(losses[-4:]) < 0.5 * np.mean(losses[:4])
    assert accuracies[-1] > 0.7  # chance is 0.1
    assert lr == pytest.approx(0.1 * 0.7**2)
    again = _usual_mnist_script(tmp_path)  # seeded: the same run again
    assert again[0] == losses and again[1] == accuracies
