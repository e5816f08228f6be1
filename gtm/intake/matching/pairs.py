"""Blocking, candidate pre-filtering, ambiguity and clustering shared by both matchers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from rapidfuzz import fuzz, process

Match = tuple[int, int, float]


def group_by_keys(keys_per_record: Iterable[Iterable[str]]) -> list[list[int]]:
    """Blocks (ascending indices of the records sharing a key) with at least two members."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, keys in enumerate(keys_per_record):
        for key in set(keys):
            blocks[key].append(index)
    return [members for members in blocks.values() if len(members) > 1]


@dataclass(frozen=True, slots=True)
class Test:
    """Passes pair (i, j) when `scorer(rows[i], cols[j]) >= cutoff` or either text is empty
    (an unknown value never rules a pair out)."""

    rows: Sequence[str]
    cols: Sequence[str]
    cutoff: int
    scorer: Callable = fuzz.ratio


# `cdist` compares a block's rows with all its members some thirty times faster per pair than
# `cpdist` compares listed pairs, but each call costs about as much as 200 listed pairs: blocks
# with fewer pairs than that are listed together, larger ones get a `cdist` call each.
_LISTED_PAIRS = 200
_CDIST_CHUNK = 2048  # rows per cdist call: bounds the score matrix of a huge block to a few MB
_TRIANGLE_CHUNK = 128


def candidate_pairs(
    n: int,
    blocks: list[list[int]],
    gates: Sequence[Sequence[Test]],
    probe: np.ndarray | None = None,
) -> np.ndarray:
    """Sorted unique codes `i * n + j` (i < j) of pairs within a block that pass every gate, a
    gate passing when any of its tests does. With `probe`, only pairs with a probing member."""
    if not blocks:
        return np.zeros(0, dtype=np.int64)
    texts = {id(t): t for gate in gates for test in gate for t in (test.rows, test.cols)}
    arrays = {key: np.asarray(t, dtype=object) for key, t in texts.items()}
    empty = {key: a == "" for key, a in arrays.items()}
    probe = np.ones(n, dtype=bool) if probe is None else probe
    sizes = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
    members = np.fromiter(chain.from_iterable(blocks), dtype=np.int64, count=int(sizes.sum()))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    probing = np.add.reduceat(probe[members].astype(np.int64), starts)
    listed = probing * sizes <= 2 * _LISTED_PAIRS
    pairs = [_probing_pairs(sizes[listed], starts[listed], members, probe, n)]
    for k in np.flatnonzero(~listed & (probing > 0)).tolist():
        pairs.append(_block_pairs(members[starts[k] : starts[k] + sizes[k]], probe, gates[:1],
                                  arrays, empty, n))  # fmt: skip
    # Only the first gate needs `cdist` over whole blocks: what it keeps of them is few pairs.
    listed_pairs, block_pairs = pairs[0], unique_codes(np.concatenate(pairs[1:] or [pairs[0][:0]]))
    codes = [
        listed_pairs[_pass_gates(gates, listed_pairs // n, listed_pairs % n, arrays, empty)],
        block_pairs[_pass_gates(gates[1:], block_pairs // n, block_pairs % n, arrays, empty)],
    ]
    return unique_codes(np.concatenate(codes))


def _block_pairs(cols: np.ndarray, probe: np.ndarray, gates: Sequence[Sequence[Test]],
                 arrays: dict[int, np.ndarray], empty: dict[int, np.ndarray],
                 n: int) -> np.ndarray:  # fmt: skip
    """Codes of the pairs of one large block with a probing member that pass `gates`. When all
    members probe, each chunk of rows meets only the members after it: half the comparisons."""
    rows_all = cols[probe[cols]]
    triangle = len(rows_all) == len(cols)
    chunk = _TRIANGLE_CHUNK if triangle else _CDIST_CHUNK
    codes = []
    for start in range(0, len(rows_all), chunk):
        rows = rows_all[start : start + chunk]
        others = cols[start:] if triangle else cols
        mask = rows[:, None] < others if triangle else rows[:, None] != others
        for gate in gates:
            mask &= _gate_mask(gate, rows, others, empty, arrays)
        i, j = np.nonzero(mask)
        codes.append(np.minimum(rows[i], others[j]) * n + np.maximum(rows[i], others[j]))
    return np.concatenate(codes)


def _probing_pairs(sizes: np.ndarray, starts: np.ndarray, members: np.ndarray,
                   probe: np.ndarray, n: int) -> np.ndarray:  # fmt: skip
    """Unique codes of the pairs within the blocks (given by sizes and starts in `members`)
    that have a probing member: each probing member against every member of its block."""
    at = np.repeat(starts, sizes) + _ranges(sizes)
    block_start, block_size = np.repeat(starts, sizes), np.repeat(sizes, sizes)
    probing = probe[members[at]]
    at, block_start, block_size = at[probing], block_start[probing], block_size[probing]
    other = members[np.repeat(block_start, block_size) + _ranges(block_size)]
    prober = np.repeat(members[at], block_size)
    distinct = prober != other
    low, high = np.minimum(prober, other)[distinct], np.maximum(prober, other)[distinct]
    return unique_codes(low * n + high)


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if ends.size else 0) - np.repeat(ends - counts, counts)


def _pass_gates(
    gates: Sequence[Sequence[Test]], first: np.ndarray, second: np.ndarray,
    arrays: dict[int, np.ndarray], empty: dict[int, np.ndarray],
) -> np.ndarray:  # fmt: skip
    """Per listed pair, whether it passes every gate; a pair one test passes skips the rest."""
    keep = np.ones(len(first), dtype=bool)
    for gate in gates:
        a, b = first[keep], second[keep]
        passed = np.zeros(len(a), dtype=bool)
        for test in gate:
            rest = np.flatnonzero(~passed)
            x, y = a[rest], b[rest]
            scores = process.cpdist(
                arrays[id(test.rows)][x].tolist(), arrays[id(test.cols)][y].tolist(),
                scorer=test.scorer, score_cutoff=test.cutoff, dtype=np.uint8, workers=-1,
            )  # fmt: skip
            passed[rest] = (
                (scores >= test.cutoff) | empty[id(test.rows)][x] | empty[id(test.cols)][y]
            )
        keep[keep] = passed
    return keep


def _gate_mask(
    gate: Sequence[Test], rows: np.ndarray, cols: np.ndarray,
    empty: dict[int, np.ndarray], arrays: dict[int, np.ndarray],
) -> np.ndarray:  # fmt: skip
    passed = np.zeros((len(rows), len(cols)), dtype=bool)
    for test in gate:
        scores = process.cdist(
            arrays[id(test.rows)][rows], arrays[id(test.cols)][cols],
            scorer=test.scorer, score_cutoff=test.cutoff, dtype=np.uint8,
            workers=-1 if len(rows) * len(cols) > 1 << 16 else 1,  # threads cost small blocks
        )  # fmt: skip
        passed |= scores >= test.cutoff
        passed |= empty[id(test.rows)][rows][:, None] | empty[id(test.cols)][cols]
    return passed


def unique_codes(codes: np.ndarray) -> np.ndarray:
    """Sorted distinct values; a sort beats `np.unique`'s hashing on these millions of ints."""
    codes = np.sort(codes)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if codes.size else codes


def decode_pairs(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    first, second = np.divmod(codes, max(n, 1))
    return first.astype(np.int64), second.astype(np.int64)


def matches_above(first: np.ndarray, second: np.ndarray, scores: np.ndarray,
                  threshold: float) -> list[Match]:  # fmt: skip
    keep = scores >= threshold
    return list(
        zip(first[keep].tolist(), second[keep].tolist(), scores[keep].tolist(), strict=True)
    )


_TIE_MARGIN = 0.03  # a runner-up this close to the best match is as likely as the best


def drop_ambiguous_matches(matches: Iterable[Match], vague: Sequence[bool]) -> list[Match]:
    """Resolve vague records that match records which are not matched to each other.

    Such a record is one of them or neither. When its best match beats every incompatible one
    by `_TIE_MARGIN`, only the incompatible matches go ("Brandon Bramson" with no company keeps
    Brandon Bramson and loses Brandon Bramton); otherwise all of its matches go, and it stays
    a row of its own for a person to resolve rather than a merge that guesses.
    """
    matches = list(matches)
    matched = {(i, j) for i, j, _ in matches}
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, s in matches:
        neighbours[i][j] = neighbours[j][i] = s
    dropped: set[tuple[int, int]] = set()
    for r, found in neighbours.items():
        if not vague[r]:
            continue
        best = max(found, key=found.__getitem__)
        rivals = [x for x in found if x != best and (min(x, best), max(x, best)) not in matched]
        if any(found[x] >= found[best] - _TIE_MARGIN for x in rivals):
            rivals = list(found)
        dropped.update((min(r, x), max(r, x)) for x in rivals)
    return [(i, j, s) for i, j, s in matches if (i, j) not in dropped]


def cluster_pairs(n: int, pairs: Iterable[tuple[int, int] | Match]) -> list[int]:
    """Cluster id per record (the smallest index in its group) from matched pairs, transitively."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving keeps the trees flat
            x = parent[x]
        return x

    for i, j, *_ in pairs:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return [root(x) for x in range(n)]
