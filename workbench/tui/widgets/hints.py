"""Hint labels for jumping to a visible word: the nearest words get the shortest hints.

Pure: offsets and screen positions in, labels out.
"""

from __future__ import annotations

from collections.abc import Sequence

# Home row first, then the rows above and below: the first hints are the easiest to type.
HINT_KEYS = "fjdkslaghrueiwoqptyvmcnxbz"


def hint_labels(count: int, keys: str = HINT_KEYS) -> list[str]:
    """`count` prefix-free labels, shortest first: as many single keys as can stay single.

    With n keys, k of them used alone leave (n - k) prefixes of n two-key labels
    each; k is the largest that still gives `count` labels, so no word needs
    more than two keys while the nearest need one. Beyond n * n words, three keys.
    """
    n = len(keys)
    if count <= n:
        return list(keys[:count])
    if count > n * n:
        return [a + b + c for a in keys for b in keys for c in keys][:count]
    single = max(0, (n * n - count) // (n - 1))
    labels = list(keys[:single])
    labels += [prefix + key for prefix in keys[single:] for key in keys]
    return labels[:count]


def assign_hints(words: Sequence[tuple[int, int, int]], cursor: tuple[int, int],
                 keys: str = HINT_KEYS) -> dict[int, str]:
    """Labels for words given as (offset, row, column): nearest to the cursor's (row, column) first.

    A row away counts as much as eight columns: the eye reads along a row.
    """
    row, column = cursor
    ordered = sorted(words, key=lambda word: (abs(word[1] - row) * 8 + abs(word[2] - column) // 2,
                                              word[1], word[2]))
    return {offset: label for (offset, _, _), label in zip(ordered, hint_labels(len(ordered), keys))}
