"""``yuqing demo --dir DIR`` empties only a folder it made itself: a folder that holds something else is refused
(exit status 2, naming it) and left as it was; in its own folder the demo removes only what it wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing import cli
from yuqing.simweb import demo


def test_a_folder_with_other_files_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "文档"
    folder.mkdir()
    (folder / "论文.docx").write_text("三年的工作")
    (folder / "子目录").mkdir()
    (folder / "子目录" / "照片.jpg").write_text("…")

    assert cli.main(["demo", "--dir", str(folder)]) == 2

    err = capsys.readouterr().err
    assert str(folder.resolve()) in err and "不是演示" in err
    assert (folder / "论文.docx").read_text() == "三年的工作"
    assert (folder / "子目录" / "照片.jpg").is_file()
    assert not (folder / demo.MARKER).exists()


def test_the_module_entry_point_refuses_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    assert demo.main(["--dir", str(tmp_path)]) == 2
    assert str(tmp_path.resolve()) in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    target.write_text("not a folder")
    with pytest.raises(demo.InputError, match=str(target)):
        demo.prepare(target)
    assert target.read_text() == "not a folder"


def test_a_new_or_empty_folder_is_marked_as_the_demos(tmp_path: Path) -> None:
    new = tmp_path / "a" / "new"
    demo.prepare(new)
    assert (new / demo.MARKER).is_file() and (new / "mail").is_dir()

    empty = tmp_path / "empty"
    empty.mkdir()
    demo.prepare(empty)
    assert (empty / demo.MARKER).is_file() and (empty / "mail").is_dir()


def test_the_demos_own_folder_is_reused_and_only_what_it_wrote_is_removed(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    demo.prepare(folder)
    (folder / "config.toml").write_text("old config")
    (folder / "yuqing.db").write_text("a database left over from an earlier run")
    (folder / "yuqing.db-journal").write_text("journal")
    (folder / "mail" / "001-alert.eml").write_text("old mail")
    (folder / "reports-out").mkdir()
    (folder / "reports-out" / "舆情周报_2026-W48.html").write_text("old digest")
    (folder / "我的笔记.txt").write_text("an officer's own note")

    demo.prepare(folder)

    assert sorted(p.name for p in folder.iterdir()) == sorted([demo.MARKER, "mail", "我的笔记.txt"])
    assert list((folder / "mail").iterdir()) == []
    assert (folder / "我的笔记.txt").read_text() == "an officer's own note"


def test_a_symlink_named_like_a_demo_file_is_removed_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    folder = tmp_path / "demo"
    demo.prepare(folder)
    (folder / "reports-out").symlink_to(outside, target_is_directory=True)

    demo.prepare(folder)

    assert not (folder / "reports-out").exists()
    assert (outside / "precious.txt").read_text() == "keep"
