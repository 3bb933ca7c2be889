"""The README's key table lists the window's keys, its toggles generated from the element table."""

from pathlib import Path

from cube_viz.app.keys import KEYS
from cube_viz.scene.elements import ELEMENTS, TOGGLES, toggle_keys

README = Path(__file__).parents[2] / "README.md"


def readme_key_rows() -> list[tuple[str, str]]:
    lines = README.read_text().splitlines()
    start = lines.index("| key | what |") + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        key, what = (cell.strip() for cell in line.strip("|").split("|", 1))
        rows.append((key, what))
    return rows


def test_the_readme_key_table_has_the_windows_keys_in_order():
    assert [key for key, _ in readme_key_rows()] == [key for key, _ in KEYS]


def test_the_readme_toggle_row_is_generated_from_the_element_table():
    assert toggle_keys() in readme_key_rows()
    assert len({e.key for e in TOGGLES}) == len(TOGGLES)  # one key each
    actions = {k for key, _ in KEYS if key != toggle_keys()[0] for k in key.replace("/", " ").split()}
    assert not {e.key for e in TOGGLES} & actions  # no key does two things
    assert len({e.name for e in ELEMENTS}) == len(ELEMENTS)
