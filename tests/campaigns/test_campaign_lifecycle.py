"""The campaign state machine: every legal move works, every illegal one is refused."""

import itertools

import pytest

from gtm.campaigns.lifecycle import STATES, TRANSITIONS, IllegalTransition, check_transition
from gtm.errors import TerminalError


def test_the_happy_path_is_legal() -> None:
    path = ["drafting", "ready", "sending", "paused", "sending", "completed", "archived"]
    for current, target in itertools.pairwise(path):
        check_transition("c", current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a, b in itertools.product(STATES, STATES) if b not in TRANSITIONS[a]],
)
def test_every_illegal_transition_is_refused(current, target) -> None:
    with pytest.raises(IllegalTransition, match=f"is {current}; it cannot become {target}"):
        check_transition("c", current, target)


def test_unknown_status() -> None:
    with pytest.raises(TerminalError, match="unknown campaign status 'launched'"):
        check_transition("c", "ready", "launched")


def test_archived_is_final() -> None:
    assert TRANSITIONS["archived"] == frozenset()
    with pytest.raises(IllegalTransition, match="none: it is final"):
        check_transition("c", "archived", "drafting")
