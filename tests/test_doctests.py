"""The small helpers document themselves with doctests (MapIt's test_doctests habit)."""

import doctest

import pytest

import gisapp.env
import layers.classify
import layers.thaidate
import layers.validators


@pytest.mark.parametrize(
    "module",
    [layers.validators, layers.thaidate, layers.classify, gisapp.env],
    ids=lambda m: m.__name__,
)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
