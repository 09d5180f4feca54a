"""The usual PyTorch MNIST CNN script (pytorch/examples style: Conv2d, max_pool2d, Dropout,
log_softmax + nll_loss, Adadelta, StepLR, torchvision datasets and transforms, DataLoader) runs
after renaming ``torchvision`` to ``minigrad.vision`` and ``torch`` to ``minigrad``, and reaches
the accuracy the same network reaches in torch on the same data."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad

# Written for PyTorch; the test runs it after the two renames only.
TORCH_SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % 10 == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print('Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return correct / len(test_loader.dataset)


def main(root, n_train, n_test, epochs=1, seed=1):
    torch.manual_seed(seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
    ])
    dataset1 = datasets.MNIST(root, train=True, download=False, transform=transform)
    dataset2 = datasets.MNIST(root, train=False, transform=transform)
    dataset1 = torch.utils.data.Subset(dataset1, range(n_train))
    dataset2 = torch.utils.data.Subset(dataset2, range(n_test))
    train_loader = torch.utils.data.DataLoader(dataset1, batch_size=64, shuffle=True)
    test_loader = torch.utils.data.DataLoader(dataset2, batch_size=1000)
    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    accuracy = None
    for epoch in range(1, epochs + 1):
        train(model, device, train_loader, optimizer, epoch)
        accuracy = test(model, device, test_loader)
        scheduler.step()
    torch.save(model.state_dict(), root + "/mnist_cnn.pt")
    return accuracy
'''

N_TRAIN, N_TEST = 2560, 1000


def _renamed() -> str:
    return TORCH_SCRIPT.replace("torchvision", "minigrad.vision").replace("torch", "minigrad")


def test_the_script_after_the_two_renames_reaches_torchs_accuracy(tmp_path, capsys):
    torch = pytest.importorskip("torch", reason="the accuracy to reach is torch's")
    namespace: dict = {}
    exec(compile(_renamed(), "mnist_example.py", "exec"), namespace)
    accuracy = namespace["main"](str(tmp_path), N_TRAIN, N_TEST)
    out = capsys.readouterr().out
    assert "Train Epoch: 1 [0/2560 (0%)]" in out and "Test set: Average loss:" in out
    state = minigrad.load(tmp_path / "mnist_cnn.pt")
    assert state["conv1.weight"].shape == (32, 1, 3, 3) and "fc2.bias" in state

    # The same network and steps in torch, on the same samples (the data torchvision would
    # read; torchvision is not installed here, so torch gets the arrays directly).
    from minigrad.vision import datasets

    train = datasets.MNIST(str(tmp_path), train=True)
    test = datasets.MNIST(str(tmp_path), train=False)

    def prepared(ds, n):
        x = ds.data.numpy()[:n].astype(np.float32)[:, None] / 255.0
        return torch.from_numpy((x - 0.1307) / 0.3081), torch.from_numpy(ds.targets.numpy()[:n])

    source = namespace.copy()
    exec(compile(TORCH_SCRIPT.replace("from torchvision import datasets, transforms", ""),
                 "mnist_torch.py", "exec"), source)
    torch.manual_seed(1)
    model = source["Net"]()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*prepared(train, N_TRAIN)),
                                         batch_size=64, shuffle=True)
    source["train"](model, "cpu", loader, opt, 1)
    xt, tt = prepared(test, N_TEST)
    model.eval()
    with torch.no_grad():
        torch_accuracy = (model(xt).argmax(1) == tt).float().mean().item()
    assert torch_accuracy > 0.85  # the data is learnable in one short epoch
    print(f"accuracy: minigrad {accuracy:.3f}, torch {torch_accuracy:.3f}")
    assert abs(accuracy - torch_accuracy) < 0.05, (accuracy, torch_accuracy)
