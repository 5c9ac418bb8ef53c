"""Sizes (contracts §2): bytes, or a number and a binary unit as PowerShell reads ``4GB``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nested_magics.model.sizes import GiB, MiB, format_size, parse_size


@pytest.mark.parametrize("text, expected", [
    ("4GB", 4 * GiB),
    ("4gb", 4 * GiB),
    ("4 GB", 4 * GiB),
    ("1.5 GiB", 3 * GiB // 2),
    ("512mb", 512 * MiB),
    ("512MiB", 512 * MiB),
    ("1TB", 1024 * GiB),
    ("2 tib", 2048 * GiB),
    ("8KB", 8192),
    ("8kib", 8192),
    ("100B", 100),
    ("100", 100),
    ("  2GB  ", 2 * GiB),
    (".5GB", GiB // 2),
])
def test_size_strings_use_binary_units_as_powershell_does(text, expected):
    assert parse_size(text) == expected


def test_integers_are_bytes():
    assert parse_size(0) == 0
    assert parse_size(17179869184) == 16 * GiB


def test_a_whole_float_is_bytes():
    assert parse_size(1024.0) == 1024


@pytest.mark.parametrize("value", [-1, -1.0, "-4GB", " -1", "-0.5GB"])
def test_negative_sizes_are_refused(value):
    with pytest.raises(ValueError, match="negative"):
        parse_size(value)


@pytest.mark.parametrize("value", ["", "GB", "four GB", "4 G B", "4,5GB", "1e3", "4GB!", "0x10"])
def test_unparsable_sizes_are_refused_with_the_expected_form(value):
    with pytest.raises(ValueError, match=r"4GB"):
        parse_size(value)


@pytest.mark.parametrize("value", ["4 parsecs", "4PB", "3 bits"])
def test_unknown_units_are_named(value):
    with pytest.raises(ValueError, match="unknown unit"):
        parse_size(value)


@pytest.mark.parametrize("value", [True, False, None, [1], {"GB": 4}])
def test_other_types_are_refused(value):
    with pytest.raises(ValueError):
        parse_size(value)


@pytest.mark.parametrize("value", ["0.3B", "1.5", 2.5])
def test_fractions_of_a_byte_are_refused(value):
    with pytest.raises(ValueError, match="whole"):
        parse_size(value)


@pytest.mark.parametrize("n, text", [
    (None, "unknown"),
    (0, "0 B"),
    (1023, "1023 B"),
    (1024, "1 KB"),
    (1536 * MiB, "1.5 GB"),
    (2 * GiB, "2 GB"),
    (16 * GiB, "16 GB"),
    (4 * 1024 * GiB, "4 TB"),
])
def test_format_size_uses_binary_units(n, text):
    assert format_size(n) == text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**50), st.sampled_from(["B", "KB", "MB", "GB", "TB", "KiB", "GiB"]),
       st.sampled_from(["", " "]), st.booleans())
def test_any_whole_number_with_a_unit_round_trips(n, unit, space, lower):
    text = f"{n}{space}{unit.lower() if lower else unit}"
    factor = {"B": 1, "KB": 1024, "KIB": 1024, "MB": MiB, "GB": GiB, "GIB": GiB, "TB": 1024 * GiB}[unit.upper()]
    assert parse_size(text) == n * factor
