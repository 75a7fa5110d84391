"""Small-group suppression for survey results, with complementary suppression.

A group (a unit's respondents to a question) is shown only with at least k
members. When a total is shown beside its groups, hiding one small group is
not enough: the total minus the shown groups would give it away. So groups
are hidden until the hidden ones together are none, or at least k, and more
than one: the difference reveals only a group of k or more.
"""

from collections.abc import Hashable, Mapping


def suppressed_groups(sizes: Mapping[Hashable, int], k: int) -> set[Hashable]:
    """Return the keys of the groups to hide, given each group's size and k.

    A group of 0 is shown (it reveals nothing). The smallest shown groups are
    hidden beside the small ones until the hidden sizes sum to 0 or to k or
    more, and no single group with answers is hidden alone.
    """
    hidden = {key for key, size in sizes.items() if 0 < size < k}
    if not hidden:
        return hidden
    shown = sorted(
        (size, str(key), key)
        for key, size in sizes.items()
        if key not in hidden and size > 0
    )
    while shown and (
        sum(sizes[key] for key in hidden) < k
        or sum(1 for key in hidden if sizes[key] > 0) < 2
    ):
        _size, _label, key = shown.pop(0)
        hidden.add(key)
    return hidden
