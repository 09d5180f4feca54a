"""Module behaviour: registration, traversal, modes, state_dict round trips and their errors,
containers, hooks, repr, and a PyTorch-style training script."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(mg.ones(4))
        self.register_buffer("count", mg.zeros(1))
        self.register_buffer("cache", mg.zeros(2), persistent=False)
        self.act = nn.ReLU()
        self.note = "plain attribute"

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


def test_registration_in_insertion_order_with_dotted_names():
    b = Block()
    assert [n for n, _ in b.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert [n for n, _ in b.named_buffers()] == ["count", "cache"]
    assert [n for n, _ in b.named_modules()] == ["", "fc", "act"]
    assert list(b.children()) == [b.fc, b.act]
    assert b.note == "plain attribute" and "note" not in b._parameters
    assert b._parameters["scale"] is b.scale and b._modules["fc"] is b.fc
    assert all(p.requires_grad for p in b.parameters())
    assert not b.count.requires_grad


def test_reassignment_and_deletion_keep_the_registries_in_step():
    b = Block()
    new = nn.Parameter(mg.zeros(4))
    b.scale = new
    assert b.scale is new and b._parameters["scale"] is new
    b.fc.weight = nn.Parameter(mg.zeros(4, 3))  # replacing keeps the registration order
    assert [n for n, _ in b.fc.named_parameters()] == ["weight", "bias"]
    with pytest.raises(TypeError, match="parameter 'scale'"):
        b.scale = mg.zeros(4)  # a plain Tensor cannot replace a parameter
    b.scale = None
    assert b.scale is None and [n for n, _ in b.named_parameters()] == ["fc.weight", "fc.bias"]
    b.count = mg.ones(1)  # a Tensor assigned to a buffer name stays a buffer
    assert b._buffers["count"] is b.count
    with pytest.raises(TypeError, match="buffer 'count'"):
        b.count = 3
    del b.fc
    assert "fc" not in b._modules and not hasattr(b, "fc")
    with pytest.raises(KeyError, match="already exists"):
        b.register_buffer("note", mg.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        b.add_module("forward", nn.ReLU())  # would shadow the method
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        _ = b.missing


def test_assigning_before_init_is_an_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mg.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(seq.modules())) == 3  # the Sequential, lin once, the ReLU
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as PyTorch
    tied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    tied[1].weight = tied[0].weight
    assert len(list(tied.parameters())) == 3


def test_train_eval_recurse_and_return_self():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    model[1].eval()
    assert model.training and not model[1][0].training
    with pytest.raises(ValueError):
        model.train("yes")


def test_zero_grad_and_requires_grad():
    model = nn.Linear(3, 2)
    model(mg.randn(4, 3)).sum().backward()
    assert model.weight.grad is not None
    model.zero_grad(set_to_none=False)
    assert np.all(model.weight.grad._data == 0)
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_visits_children_first_then_self():
    seen = []
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]

    def init_zero(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    model.apply(init_zero)
    assert all(np.all(m.weight._data == 0) for m in model.modules() if isinstance(m, nn.Linear))


def test_call_runs_forward_and_hooks():
    model = nn.Linear(2, 2)
    x = mg.randn(3, 2)
    np.testing.assert_array_equal(model(x)._data, model.forward(x)._data)
    calls = []
    h1 = model.register_forward_pre_hook(lambda m, args: calls.append("pre"))
    h2 = model.register_forward_hook(lambda m, args, out: out * 0)
    assert np.all(model(x)._data == 0) and calls == ["pre"]
    h1.remove()
    h2.remove()
    assert not np.all(model(x)._data == 0) and calls == ["pre"]

    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="forward"):
        NoForward()(x)


def test_repr_like_pytorch():
    model = nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(),
        nn.Sequential(nn.Dropout(0.25), nn.Linear(8, 3, bias=False)),
    )  # fmt: skip
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (1): BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n"
        "  (2): ReLU()\n"
        "  (3): Sequential(\n"
        "    (0): Dropout(p=0.25, inplace=False)\n"
        "    (1): Linear(in_features=8, out_features=3, bias=False)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()])) == (
        "ModuleList(\n  (0-1): 2 x ReLU()\n  (2): Tanh()\n)")
    assert repr(nn.Parameter(mg.zeros(2))).startswith("Parameter containing:\ntensor(")


def test_state_dict_is_detached_shares_data_and_skips_non_persistent():
    b = Block()
    sd = b.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["scale", "count", "fc.weight", "fc.bias"]
    assert not sd["fc.weight"].requires_grad
    sd["fc.weight"]._data[0, 0] = 42.0
    assert b.fc.weight._data[0, 0] == 42.0
    assert b.state_dict(keep_vars=True)["fc.weight"] is b.fc.weight


def test_load_state_dict_round_trip():
    mg.manual_seed(1)
    a = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    a(mg.randn(5, 3))  # moves the running statistics
    b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    weight = b[0].weight
    result = b.load_state_dict({k: v.numpy().copy() for k, v in a.state_dict().items()})
    assert repr(result) == "<All keys matched successfully>"
    assert b[0].weight is weight  # copied in place
    a.eval()
    b.eval()
    x = mg.randn(4, 3)
    np.testing.assert_array_equal(a(x)._data, b(x)._data)
    assert int(b[1].num_batches_tracked.item()) == 1


def test_load_state_dict_reports_every_problem_by_name_and_copies_nothing():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    before = {k: v._data.copy() for k, v in model.state_dict().items()}
    sd = {k: v._data.copy() for k, v in model.state_dict().items()}
    del sd["1.bias"]
    sd["extra.weight"] = np.zeros(2)
    sd["0.weight"] = np.zeros((4, 5))
    sd["0.bias"] = np.ones(4)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(sd)
    msg = str(err.value)
    assert "Error(s) in loading state_dict for Sequential" in msg
    assert 'Missing key(s) in state_dict: "1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "size mismatch for 0.weight" in msg and "(4, 5)" in msg and "(4, 3)" in msg
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v._data, before[k])  # nothing half-loaded
    # strict=False: missing/unexpected are returned, a shape mismatch still raises
    del sd["0.weight"]
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.weight", "1.bias"]
    assert result.unexpected_keys == ["extra.weight"]
    assert np.all(model[0].bias._data == 1)
    sd["0.weight"] = np.zeros((1, 1))
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        model.load_state_dict(sd, strict=False)


def test_non_persistent_buffers_are_neither_saved_nor_expected():
    b = Block()
    sd = b.state_dict()
    assert "cache" not in sd and "cache" in dict(b.named_buffers())
    assert repr(Block().load_state_dict(sd)) == "<All keys matched successfully>"


def test_deepcopy_gives_an_independent_equal_model():
    import copy

    model = nn.MLP(4, [3], 2, batchnorm=True)
    clone = copy.deepcopy(model)
    assert clone.layers[0].weight is not model.layers[0].weight
    assert isinstance(clone.layers[0].weight, nn.Parameter)
    x = mg.randn(5, 4)
    np.testing.assert_array_equal(model(x)._data, clone(x)._data)
    with mg.no_grad():
        clone.layers[0].weight.fill_(0)
    assert not np.all(model.layers[0].weight._data == 0)


def test_to_double_converts_float_parameters_and_buffers():
    bn = nn.BatchNorm1d(3)
    w = bn.weight
    assert bn.double() is bn
    assert bn.weight is w and w.dtype == np.float64 and bn.running_var.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64
    assert bn.float().weight.dtype == np.float32
    assert bn.to("cpu") is bn and bn.weight.dtype == np.float32


def test_sequential_and_module_list_containers():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert seq.fc is seq[0] and seq[-1] is seq.act and len(seq) == 2
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(seq[:1], nn.Sequential) and len(seq[:1]) == 1
    seq.append(nn.Linear(3, 1))
    assert seq(mg.randn(4, 2)).shape == (4, 1)
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    nums = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    nums[1] = nn.GELU()  # replacing keeps the position
    assert [type(m).__name__ for m in nums] == ["ReLU", "GELU", "Sigmoid"]
    nums[1] = nn.Tanh()
    del nums[0]
    assert list(nums._modules) == ["0", "1"] and isinstance(nums[0], nn.Tanh)

    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    layers.append(nn.Linear(2, 1))
    layers.insert(0, nn.ReLU())
    assert [type(m).__name__ for m in layers] == ["ReLU", "Linear", "Linear", "Linear"]
    holder = nn.Module()
    holder.layers = layers
    assert len(list(holder.parameters())) == 6
    assert holder.get_submodule("layers.1") is layers[1]
    assert holder.get_parameter("layers.3.bias") is layers[3].bias

    d = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(d) == ["a", "b"] and "a" in d and len(list(d.parameters())) == 2


def test_pytorch_style_script_trains():
    mg.manual_seed(0)
    x = mg.randn(64, 4)
    y = (x._data[:, 0] > 0).astype(np.int64) + (x._data[:, 1] > 0).astype(np.int64)
    y = mg.from_numpy(y)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(60):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        with mg.no_grad():
            for p in model.parameters():
                p.sub_(0.5 * p.grad)
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    with mg.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    assert acc > 0.8
