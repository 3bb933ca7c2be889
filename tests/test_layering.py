"""The one-way layering of DESIGN.md: the simulation side never loads the renderer."""

import subprocess
import sys


def test_sim_cli_and_commands_do_not_load_pyvista_or_vtk_before_drawing():
    code = (
        "import sys, cube_viz, cube_viz.cli, cube_viz.sim.trainer, cube_viz.sim.checkpoint, cube_viz.sim.recording\n"
        "import cube_viz.app.screenshot  # pyvista loads only when drawing\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pyvista', 'vtk', 'vtkmodules')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_entry_point_reports_bad_input_on_one_line(tmp_path):
    missing = tmp_path / "nothing.txt"
    r = subprocess.run([sys.executable, "-m", "cube_viz", "train", "--corpus", str(missing)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip() == f"cube-viz: error: corpus file not found: {missing}"


def test_help_lists_the_training_flags():
    r = subprocess.run([sys.executable, "-m", "cube_viz", "train", "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for flag in ("--context", "--embed", "--hidden", "--activation", "--optimizer", "--lr", "--weight-decay",
                 "--batch-size", "--steps", "--epochs", "--seed", "--config", "--save", "--resume", "--record"):
        assert flag in r.stdout


def assert_packages_load_none_of(packages: tuple[str, ...], banned: tuple[str, ...]) -> None:
    """Import every module of the packages in a fresh interpreter; none of the banned top-level packages loads."""
    code = (
        "import sys, pkgutil, importlib\n"
        f"for name in {packages!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for m in pkgutil.iter_modules(package.__path__):\n"
        "        importlib.import_module(f'{name}.{m.name}')\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {banned!r}]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_scene_and_anim_load_neither_the_renderer_nor_qt_nor_torch():
    assert_packages_load_none_of(("cube_viz.scene", "cube_viz.anim"),
                                 ("pyvista", "vtk", "vtkmodules", "qtpy", "PySide6", "torch"))


def test_the_renderer_does_not_load_qt():
    assert_packages_load_none_of(("cube_viz.render", "cube_viz.render.elements"), ("qtpy", "PySide6", "pyvistaqt"))


def test_the_window_process_does_not_load_torch():
    """torch loads in the training process; in the window's (and for --help) it cost ~2.3 s of every launch."""
    code = (
        "import sys, cube_viz.cli, cube_viz.app.run, cube_viz.app.worker, cube_viz.app.window\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
