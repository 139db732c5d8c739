"""The collector pause around loading leaves Python's garbage collector as it found it."""

from __future__ import annotations

import gc

import pytest

from generator.sources.gcpause import paused, settled


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

        with pytest.raises(ValueError), paused():
            assert not gc.isenabled()
            raise ValueError("bad input")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_settled_sets_aside_what_it_loaded_and_puts_it_back_on_the_next_call() -> None:
    was = gc.isenabled()
    made: list[object] = []

    @settled
    def load() -> list[int]:
        assert not gc.isenabled()
        data = [1, 2, 3]
        made.append(data)
        return data

    try:
        gc.enable()
        load()
        assert gc.isenabled()
        frozen = gc.get_freeze_count()
        assert frozen > 0 and gc.is_tracked(made[0])
        load()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        (gc.enable if was else gc.disable)()
