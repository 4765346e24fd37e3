"""A sample notebook as the correct one with a few replacements: shared by the scripts that
write the sample submissions of each assignment."""


def variant_cells(cells, replacements, variant: str):
    """The (id, type, source) ``cells`` with ``replacements`` [(cell id, old, new), ...] made; each
    must match exactly once in its cell, so a variant cannot drift from what it claims to be."""
    changed = [list(cell) for cell in cells]
    by_id = {cell[0]: cell for cell in changed}
    for cell_id, old, new in replacements:
        cell = by_id[cell_id]
        count = cell[2].count(old)
        if count != 1:
            raise SystemExit(f"{variant}: replacement in cell {cell_id!r} matches {count} times:\n{old}")
        cell[2] = cell[2].replace(old, new)
    return [tuple(cell) for cell in changed]
