"""The built wheel, installed (not editable) into a fresh virtual environment, carries the bundled
models (a pip-installed user can load 'breast' without the source tree) and the version of
metakinetics/_version.py."""
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_loads_bundled_model(tmp_path):
    src = tmp_path / "src"
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    for f in files:
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            (src / f).write_bytes((ROOT / f).read_bytes())
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(src)], check=True, capture_output=True)
    wheel = next(wheels.glob("metakinetics-*.whl"))
    from metakinetics import __version__

    with zipfile.ZipFile(wheel) as zf:  # the version in the wheel is the one in metakinetics/_version.py
        meta = zf.read(f"metakinetics-{__version__}.dist-info/METADATA").decode()
    assert f"\nVersion: {__version__}\n" in meta

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # the runtime dependencies come from this environment (no download); the package itself from the wheel
    (Path(site) / "_parent_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True, capture_output=True)
    out = subprocess.run(
        [str(py), "-c", "import metakinetics, sys; m = metakinetics.load_model('breast'); "
                        "print(metakinetics.__file__); print(','.join(m.organ_names)); "
                        "print(','.join(metakinetics.list_models()))"],
        cwd=tmp_path, capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0].startswith(str(env_dir)), f"loaded from {out[0]}, not from the wheel"
    assert out[1] == "bone,lung,liver,brain"
    assert "breast" in out[2].split(",")
    cli = subprocess.run([str(env_dir / "bin" / "metakinetics"), "models"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert cli.returncode == 0 and "breast" in cli.stdout
