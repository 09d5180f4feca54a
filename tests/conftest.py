"""Test-wide settings: Hypothesis profiles (``ci`` is used when CI=true) and a fixed seed."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """Small matrices run fastest on one BLAS thread, and a 2-core CI machine stays responsive."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same default generator state."""
    import minigrad

    minigrad.manual_seed(0)
    yield
