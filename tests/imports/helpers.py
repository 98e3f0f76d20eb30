"""Building import files as bytes and running the command."""

from pathlib import Path


def csv_file(
    tmp_path: Path, text: str, encoding: str = "utf-8", bom: bool = False, name: str = "f.csv"
) -> Path:
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(runner, kind: str, path, pole, *flags: str):
    slug = pole if isinstance(pole, str) else pole.slug
    return runner.invoke(args=["import", kind, str(path), "--pole", slug, *flags])
