"""The usual PyTorch-style loop: DataLoader, BatchNorm1d, Dropout, Adam, a scheduler, a checkpoint.

    python examples/train_mnist.py [--epochs 3] [--checkpoint mnist.ckpt]

Runs offline on the MNIST subset that ships with minigrad's data search (see minigrad.datasets).
"""

import argparse
from pathlib import Path

import minigrad as mg
from minigrad import nn, optim
from minigrad.datasets import load_mnist
from minigrad.utils.data import DataLoader, TensorDataset


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with mg.no_grad():
        for x, t in loader:
            correct += (model(x).argmax(1) == t).sum().item()
            total += len(t)
    model.train()
    return correct / total


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--checkpoint", type=Path, default=Path("mnist.ckpt"))
    args = p.parse_args(argv)

    mg.manual_seed(0)
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    train = DataLoader(TensorDataset(x_train, t_train.astype("int64")), batch_size=100,
                       shuffle=True)
    test = DataLoader(TensorDataset(x_test, t_test.astype("int64")), batch_size=500)

    model = nn.Sequential(
        nn.Linear(784, 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Dropout(0.15),
        nn.Linear(100, 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Dropout(0.15),
        nn.Linear(100, 10),
    )
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    start = 0
    if args.checkpoint.exists():  # resume where the last run stopped
        state = mg.load(args.checkpoint)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        start = state["epoch"]

    for epoch in range(start, args.epochs):
        for x, t in train:
            opt.zero_grad()
            loss = loss_fn(model(x), t)
            loss.backward()
            opt.step()
        sched.step()
        acc = evaluate(model, test)
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test accuracy {acc:.3f}, "
              f"lr {sched.get_last_lr()[0]:.2e}")
        mg.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                 "scheduler": sched.state_dict(), "epoch": epoch + 1}, args.checkpoint)
    return evaluate(model, test)


if __name__ == "__main__":
    main()
