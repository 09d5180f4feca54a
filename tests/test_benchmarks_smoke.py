"""The benchmark suite: the quick run prints every row, and the baselines compute the real thing.

No timing assertions: only that every workload has a row for every implementation available
here, that every time is positive and finite, and that the hand-written NumPy network and the
GEMM floor do the same arithmetic as the frameworks they are compared with.
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from minigrad.random import Generator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks")
sys.path.insert(0, BENCH)

import impl_floor  # noqa: E402
import impl_minigrad  # noqa: E402
import impl_numpy  # noqa: E402
import impl_torch  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402
import timing  # noqa: E402
import workloads  # noqa: E402


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One ``run.py --quick`` in a subprocess: its stdout, JSON and Markdown."""
    out = tmp_path_factory.mktemp("bench")
    js, md = out / "r.json", out / "r.md"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    r = subprocess.run([sys.executable, os.path.join(BENCH, "run.py"), "--quick", "--json",
                        str(js), "--markdown", str(md)], capture_output=True, text=True,
                       timeout=300, env=env, cwd=str(out), check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout, json.loads(js.read_text()), md.read_text()


@pytest.fixture(scope="module")
def small_data():
    """The first 200 Fashion-MNIST training images (random data where it is not installed)."""
    return workloads.load_data(limit=200)


def _positive(x):
    return isinstance(x, float) and math.isfinite(x) and x > 0


def test_quick_run_has_every_workload_and_implementation(quick):
    stdout, res, _ = quick
    got = {(r["workload"], r["impl"]) for r in res["rows"]}
    for w in workloads.WORKLOADS:
        assert f"{w}: " in stdout
        for impl in workloads.impl_names(w):
            assert (w, impl) in got, f"no row for {impl} in {w}"
    for r in res["rows"]:
        for key in ("median", "q1", "q3", "min", "max"):
            assert _positive(r[key]), (r["workload"], r["impl"], key, r[key])
        assert r["min"] <= r["median"] <= r["max"]
        assert r["n"] >= 1 and r["inner"] >= 1


def test_quick_run_reports_chain_memory_targets_and_machine(quick):
    stdout, res, md = quick
    chain = {c["impl"]: c for c in res["chain"]}
    assert "minigrad" in chain and ("torch" in chain) == impl_torch.available()
    for c in chain.values():
        assert _positive(c["forward_s"]) and _positive(c["backward_s"])
        assert c["rss_peak_bytes"] >= 0
    assert chain["minigrad"]["traced_peak_bytes"] > 0
    mem = {m["impl"]: m for m in res["memory"]}
    assert "numpy" in mem and len(mem) >= 2
    for m in mem.values():
        assert m["step_peak_bytes"] > 0 and m["must_hold_bytes"] > 0
    assert {t["workload"] for t in res["targets"]} == {t[0] for t in report.TARGETS} | {"memory"}
    m = res["machine"]
    assert m["blas"] and m["default_blas_threads"] >= 1 and m["numpy"] == np.__version__
    assert "targets (1 thread, float32" in stdout and "BLAS (threadpoolctl)" in stdout
    assert md.startswith("# minigrad benchmark results") and "| impl | median |" in md


def _one_step(model, x, t):
    model.step(*model.native(x, t))


@pytest.mark.parametrize("kind", ["plain", "bn"])
def test_numpy_baseline_matches_torch_step(kind, small_data):
    if not impl_torch.available():
        pytest.skip("torch not installed")
    import torch

    data = small_data
    w = workloads.he_weights([784, 50, 30, 10])
    x, t = data.x[:64].astype(np.float64), data.t[:64]
    mn, mt = impl_numpy.MLP(w, "float64", kind), impl_torch.MLP(w, "float64", kind)
    for _ in range(2):
        _one_step(mn, x, t)
        _one_step(mt, x, t)
    lins = [m for m in mt.model if isinstance(m, torch.nn.Linear)]
    for a, lin in zip(mn.affines, lins):
        np.testing.assert_allclose(a.W, lin.weight.detach().numpy().T, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(a.b, lin.bias.detach().numpy(), rtol=1e-10, atol=1e-12)
    bns = [m for m in mt.model if isinstance(m, torch.nn.BatchNorm1d)]
    assert len(bns) == len(mn.norms) == (2 if kind == "bn" else 0)
    for bn, tb in zip(mn.norms, bns):
        np.testing.assert_allclose(bn.gamma, tb.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(bn.running_var, tb.running_var.numpy(), rtol=1e-10)


@pytest.mark.parametrize("which", ["core", "nn-plain", "nn-bn"])
def test_numpy_baseline_matches_minigrad_in_float32(which, small_data):
    kind = "bn" if which == "nn-bn" else "plain"
    if which == "core":
        cls = impl_minigrad.CoreMLP
    elif impl_minigrad.nn_available():
        cls = impl_minigrad.MLP
    else:
        pytest.skip("minigrad.nn / minigrad.optim not importable")
    data = small_data
    w = workloads.he_weights([784, 40, 30, 10])
    x, t = data.x[:50], data.t[:50]
    mn, mm = impl_numpy.MLP(w, "float32", kind), cls(w, "float32", kind)
    for _ in range(2):
        _one_step(mn, x, t)
        _one_step(mm, x, t)
    if which == "core":
        got = [(wt._data, b._data) for wt, b in mm.params]
    else:
        got = [(m.weight._data, m.bias._data) for m in mm.model if type(m).__name__ == "Linear"]
    assert len(got) == len(mn.affines) == 3
    for a, (wt, b) in zip(mn.affines, got):
        assert a.W.dtype == np.float32 and wt.dtype == np.float32
        np.testing.assert_allclose(a.W, wt.T, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(a.b, b, rtol=1e-4, atol=1e-5)


def test_numpy_dropout_is_inverted_and_floor_does_the_backward_gemms():
    rng = Generator(3).rng
    drop = impl_numpy.Dropout(0.15, rng)
    y = drop.forward(np.ones((400, 100), dtype=np.float32))
    assert y.dtype == np.float32
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.85)}
    assert abs(float((y > 0).mean()) - 0.85) < 0.01
    w = workloads.he_weights([20, 8, 3])
    x = np.linspace(-1, 1, 5 * 20).reshape(5, 20)
    f = impl_floor.MLP(w, "float64", batch=5, input_grad=True)
    f.step(x, None)
    h1 = x @ w[0][0]
    np.testing.assert_allclose(f.dW[1], h1.T @ f.dout)
    np.testing.assert_allclose(f.dW[0], x.T @ (f.dout @ w[1][0].T))
    np.testing.assert_allclose(f.d[0], f.dout @ w[1][0].T @ w[0][0].T)


def test_round_robin_timing_and_statistics():
    calls = {"a": 0, "b": 0}

    def make(k):
        def fn():
            calls[k] += 1
            return sum(range(200))

        return fn

    stats = timing.time_round_robin({"a": make("a"), "b": make("b")}, repeats=4, warmup=1,
                                    target=0.001)
    for s in stats.values():
        assert s.n == 4 and s.inner >= 1 and 0 < s.min <= s.median <= s.max
        assert s.q1 <= s.median <= s.q3
    assert calls["a"] >= 1 + 4 * stats["a"].inner
    s = timing.summarize([3.0, 1.0, 2.0, 4.0])
    assert (s.median, s.min, s.max) == (2.5, 1.0, 4.0)
    with pytest.raises(ValueError, match="repeats"):
        timing.time_round_robin({"a": make("a")}, repeats=0)


def test_thread_limit_sets_and_restores_blas_threads():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before = blas_threads()
    with timing.thread_limit(1) as n:
        assert n == 1 and set(blas_threads()) == {1}
    assert blas_threads() == before


def test_bad_command_line_is_refused_with_a_reason(capsys):
    for args, word in ((["--workloads", "W9"], "unknown workload"),
                       (["--threads", "two"], "--threads"),
                       (["--dtypes", "float16"], "--dtypes"),
                       (["--repeats", "0"], "--repeats")):
        with pytest.raises(SystemExit) as e:
            run.parse_args(args)
        assert e.value.code == 2 and word in capsys.readouterr().err, args
    assert workloads.expand_workloads("W2,W4") == ["W2-bn", "W2-dropout", "W4", "W4-sum",
                                                    "W4-chain"]
    with pytest.raises(SystemExit):
        run.parse_args(["--peers", "tensorflow"])
    a = run.parse_args(["--quick", "--threads", "1,default", "--repeats", "7"])
    assert a.thread_list[0] == 1 and a.repeats == 7 and a.dtype_list == ["float32"]


def test_targets_are_ratios_of_medians():
    rows = [{"workload": "W1", "dtype": "float32", "threads": 1, "impl": n, "median": m}
            for n, m in (("minigrad", 1.0), ("torch", 2.0), ("numpy", 0.8))]
    got = {t["what"]: t for t in report.check_targets(rows)}
    assert got["minigrad/torch"]["value"] == 0.5 and got["minigrad/torch"]["ok"]
    assert got["minigrad/numpy"]["value"] == 1.25 and not got["minigrad/numpy"]["ok"]


def test_cnn_baseline_does_the_same_step_as_torch_and_minigrad(small_data):
    """W6: the hand-written im2col network, minigrad.nn and torch.nn train alike (float64)."""
    import impl_cnn

    w = impl_cnn.cnn_weights(workloads.SEED)
    x, t = small_data.x[:32], small_data.t[:32]
    models = [impl_cnn.NumpyCNN(w, "float64"), impl_cnn.MinigradCNN(w, "float64")]
    if impl_torch.available():
        models.append(impl_cnn.TorchCNN(w, "float64"))
    for _ in range(2):
        losses = [float(m.step(*m.native(x, t))) for m in models]
        np.testing.assert_allclose(losses, losses[0], rtol=1e-5)  # the book's log(y + 1e-7)
        np.testing.assert_allclose(losses[1:], losses[1], rtol=1e-12)
    ref = models[0]
    for m in models[1:]:
        conv, fc1 = m.model[0], m.model[4]
        np.testing.assert_allclose(conv.weight.detach().numpy(), ref.conv.W, rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(conv.bias.detach().numpy(), ref.conv.b, rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(fc1.weight.detach().numpy(), ref.fc1.W.T, rtol=1e-9,
                                   atol=1e-12)
