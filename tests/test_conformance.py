"""The conformance suite, parametrised over every registered backbone and declared task
(built-in plugins and the third-party test plugin alike)."""

from __future__ import annotations

import pytest

from tsfm.testing import CONFORMANCE_CHECKS, conformance_cases

CASES = conformance_cases()


def test_suite_covers_builtin_and_third_party_backbones():
    names = {case.backbone for case in CASES}
    assert {"naive", "seasonal_naive", "linear"} <= names
    assert {"toy_mlp", "toy_history"} <= names, "install tests/plugins/tsfm-testplugin (see .ci/run)"


@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("case", CASES, ids=str)
def test_conformance(case, check, tmp_path):
    check(case, tmp_path)
