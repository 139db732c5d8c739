"""The collector pause around loading leaves Python's garbage collector as it found it."""

from __future__ import annotations

import gc

import pytest

from generator.sources.gcpause import paused, pausing


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_restores_the_collector_as_it_was_even_after_an_error(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with paused():
            assert not gc.isenabled()
            with paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # still inside the outer block
        assert gc.isenabled() is enabled

        @pausing
        def fails() -> None:
            assert not gc.isenabled()
            raise ValueError("bad input")

        with pytest.raises(ValueError):
            fails()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
