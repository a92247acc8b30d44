"""Files written by LibreOffice for the import tests (issue 17): `convert` runs `soffice --headless --convert-to`
(Debian's libreoffice-calc-nogui, installed by .ci/run) on files the tests made with openpyxl.

Each call has a user profile of its own (`-env:UserInstallation`), so tests running side by side do not share
one. Without soffice the test is skipped with the reason — or fails, in CI (CI or REQUIRE_BROWSER set), where
it must run.
"""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")
_INSTALL = "apt-get install -y libreoffice-calc-nogui"


def soffice_or_skip() -> str:
    if SOFFICE is None:
        message = f"soffice 不存在：{_INSTALL}"
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return SOFFICE


def convert(sources: list[Path], extension: str, outdir: Path) -> list[Path]:
    """`sources` converted to `extension` (xls, ods, xlsx) by LibreOffice, written in `outdir`."""
    soffice = soffice_or_skip()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.gettempdir()) / f"lo-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                extension,
                "--outdir",
                str(outdir),
                *map(str, sources),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    converted = [outdir / f"{source.stem}.{extension}" for source in sources]
    missing = [path.name for path in converted if not path.exists()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return converted
