"""The analyst-side exports: CSV or Parquet by suffix, whole or not at all, outside the reports."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cxlab._exports import exports_dir, write_export


def test_suffix_picks_the_format_and_folders_are_made(tmp_path: Path) -> None:
    frame = pl.DataFrame({"customer_id": ["C001", "C002"], "value": [1.5, 2.0]})
    csv = write_export(frame, tmp_path / "a" / "list.csv")
    parquet = write_export(frame, tmp_path / "b" / "list.parquet")
    assert pl.read_csv(csv).equals(frame)
    assert pl.read_parquet(parquet).equals(frame)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        "list.csv",
        "list.parquet",
    ]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial(
    tmp_path: Path, monkeypatch
) -> None:
    target = write_export(pl.DataFrame({"x": [1]}), tmp_path / "list.csv")

    def broken(self, path, *args, **kwargs):
        Path(path).write_text("x\n2\n")  # half written, then the disk fills
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", broken)
    with pytest.raises(OSError, match="No space"):
        write_export(pl.DataFrame({"x": [2]}), target)
    assert target.read_text() == "x\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["list.csv"]


def test_the_default_folder_is_the_workspace_exports(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CXLAB_WORKSPACE", str(tmp_path))
    assert exports_dir(None) == exports_dir("") == (tmp_path / "data" / "exports").resolve()
    assert exports_dir(tmp_path / "x") == tmp_path / "x"


def test_an_export_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    frame = pl.DataFrame({"customer_id": ["C001"]})
    for name in ("new/list.csv", "new/list.parquet"):
        path = write_export(frame, tmp_path / name)
        assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    old = tmp_path / "old.csv"
    old.write_text("x\n")
    old.chmod(0o644)
    assert write_export(frame, old).stat().st_mode & 0o777 == 0o600


def test_spreadsheet_formulas_in_text_cells_are_neutralised(tmp_path: Path) -> None:
    """OWASP, CSV Injection: a cell starting with = + - @ tab or CR gets a leading apostrophe."""
    cells = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "a=b", None]
    frame = pl.DataFrame({"note": cells, "value": list(range(-4, 4))})
    csv = pl.read_csv(write_export(frame, tmp_path / "list.csv"))
    assert csv["note"].to_list() == [
        '\'=HYPERLINK("http://x","y")',
        "+1",  # a signed figure alone is a number, not a formula
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "a=b",
        None,
    ]
    assert csv["value"].to_list() == list(range(-4, 4))  # numbers stay numbers
    parquet = pl.read_parquet(write_export(frame, tmp_path / "list.parquet"))
    assert parquet.equals(frame)


def test_a_signed_figure_is_not_taken_for_a_formula() -> None:
    from cxlab._exports import neutralise_formulas

    cells = ["+0.3 pp", "-1.2%", "−0.0 pp", "+3个百分点", "-2+3+cmd|' /C calc'!A0", "+1 =A1"]
    out = neutralise_formulas(pl.DataFrame({"change": cells}))["change"].to_list()
    assert out[:4] == cells[:4]
    assert out[4:] == ["'" + c for c in cells[4:]]
