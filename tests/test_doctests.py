"""The small helpers document themselves with doctests (MapIt's test_doctests habit)."""

import doctest

import pytest

import gisapp.env
import layers.charts
import layers.classify
import layers.demo.duplicates
import layers.identity
import layers.searchwords
import layers.selectors.duplicates
import layers.thaidate
import layers.thaitext
import layers.validators


@pytest.mark.parametrize(
    "module",
    [
        layers.validators,
        layers.thaidate,
        layers.charts,
        layers.classify,
        gisapp.env,
        layers.thaitext,
        layers.identity,
        layers.searchwords,
        layers.selectors.duplicates,
        layers.demo.duplicates,
    ],
    ids=lambda m: m.__name__,
)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
