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

    A row away counts as much as sixteen columns: the eye reads along a row. Words
    before the cursor count as three times as far, since annotators work forward
    through a text, so more of the words ahead get a single key.
    """
    row, column = cursor

    def distance(word: tuple[int, int, int]) -> tuple[int, int, int]:
        _, word_row, word_column = word
        far = abs(word_row - row) * 16 + abs(word_column - column)
        behind = (word_row, word_column) < (row, column)
        return far * 3 if behind else far, word_row, word_column

    ordered = sorted(words, key=distance)
    return {offset: label for (offset, _, _), label in zip(ordered, hint_labels(len(ordered), keys))}
