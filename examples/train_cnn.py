"""The book's chapter-7 SimpleConvNet, trained with Adam, and its first-layer filters (figure 7-24).

    python examples/train_cnn.py [--epochs 20] [--figure cnn_filters.png] [--quick]

conv 30 filters 5x5 (stride 1, pad 0) -> ReLU -> max pool 2x2 stride 2 -> Linear 4320 -> 100 ->
ReLU -> Linear 100 -> 10, softmax cross-entropy, Adam lr 0.001, batch 100, weights N(0, 0.01^2)
(the book's settings).
Trains on Fashion-MNIST where it is installed (the Debian package puts it in
/usr/share/datasets/fashion-mnist), else on the MNIST subset that ships with minigrad. Prints
the test accuracy and saves the 30 first-layer filters before and after training as one figure:
random noise before, smooth blobs and edge detectors after, as in the book's figure 7-24.
``--quick`` trains one pass over 2,000 images (a smoke run for the tests).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import nn, optim
from minigrad.datasets import DatasetError, load_mnist
from minigrad.utils.data import DataLoader, TensorDataset


def simple_conv_net() -> nn.Sequential:
    """The book's SimpleConvNet in PyTorch's layers, initialised as the book does: weights
    N(0, 0.01^2), biases 0 (small random filters, so what training draws into them shows)."""
    model = nn.Sequential(
        nn.Conv2d(1, 30, kernel_size=5, stride=1, padding=0), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10),
    )
    for m in (model[0], model[4], model[6]):
        nn.init.normal_(m.weight, std=0.01)
        nn.init.zeros_(m.bias)
    return model


def load_data() -> tuple[tuple, tuple, str]:
    """Fashion-MNIST if any source has it, else MNIST (the bundled subset when nothing else)."""
    try:
        train, test = load_mnist(flatten=False, dataset="fashion-mnist")
        return train, test, "Fashion-MNIST"
    except (DatasetError, OSError) as e:
        print(f"Fashion-MNIST not found ({type(e).__name__}); using MNIST")
        train, test = load_mnist(flatten=False)
        return train, test, "MNIST"


def accuracy(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = total = 0
    with mg.no_grad():
        for x, t in loader:
            correct += (model(x).argmax(1) == t).sum().item()
            total += len(t)
    model.train()
    return correct / total


def save_filters(before: np.ndarray, after: np.ndarray, path: Path) -> None:
    """The 30 filters (30, 1, 5, 5) before and after training, in gray as in the book."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(10, 6.4))
    subfigs = fig.subfigures(2, 1)
    for sub, w, title in ((subfigs[0], before, "before training"),
                          (subfigs[1], after, "after training")):
        sub.suptitle(f"first-layer filters, {title}")
        axes = sub.subplots(3, 10)
        for i, ax in enumerate(axes.flat):
            ax.imshow(w[i, 0], cmap="gray_r", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv: list[str] | None = None) -> float:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--figure", type=Path, default=Path("cnn_filters.png"))
    p.add_argument("--quick", action="store_true", help="one pass over 2,000 images")
    args = p.parse_args(argv)

    mg.manual_seed(0)
    (x_train, t_train), (x_test, t_test), name = load_data()
    if args.quick:
        x_train, t_train, x_test, t_test = x_train[:2000], t_train[:2000], x_test[:1000], \
            t_test[:1000]
        args.epochs = 1
    print(f"{name}: {len(x_train)} training and {len(x_test)} test images")
    train = DataLoader(TensorDataset(x_train, t_train.astype("int64")), batch_size=100,
                       shuffle=True)
    test = DataLoader(TensorDataset(x_test, t_test.astype("int64")), batch_size=500)

    model = simple_conv_net()
    before = model[0].weight.detach().numpy().copy()
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        for x, t in train:
            opt.zero_grad()
            loss = loss_fn(model(x), t)
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test accuracy "
              f"{accuracy(model, test):.3f}")
    acc = accuracy(model, test)
    after = model[0].weight.detach().numpy().copy()
    save_filters(before, after, args.figure)
    print(f"test accuracy {acc:.4f}")
    print(f"filters: mean |change| {np.abs(after - before).mean():.4f}; figure saved to "
          f"{args.figure}")
    return acc


if __name__ == "__main__":
    main()
