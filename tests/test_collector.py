"""The cyclic collector paused for an import (rakornis.collector) is on again afterwards, whatever happened; a process
left without it would keep every garbage cycle it makes from then on."""

import gc

import pytest

from rakornis.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_on_again_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_the_block_raises():
    @collector_paused()
    def work():
        assert not gc.isenabled()
        raise ValueError("damaged file")

    with pytest.raises(ValueError, match="damaged file"):
        work()
    assert gc.isenabled()


def test_left_off_when_it_was_off_and_an_inner_block_does_not_switch_it_on():
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
