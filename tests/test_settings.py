import os
from pathlib import Path

from rakornis import _site
from rakornis.settings import load_env_file


def test_env_file_fills_unset_variables_only(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nRAKORNIS_T1=from-file\nRAKORNIS_T2="quoted"\n\nnot a setting\nRAKORNIS_T3=x\n')
    monkeypatch.delenv("RAKORNIS_T1", raising=False)
    monkeypatch.delenv("RAKORNIS_T2", raising=False)
    monkeypatch.setenv("RAKORNIS_T3", "from-environment")
    load_env_file(env_file)
    assert os.environ["RAKORNIS_T1"] == "from-file"
    assert os.environ["RAKORNIS_T2"] == "quoted"
    assert os.environ["RAKORNIS_T3"] == "from-environment"
    monkeypatch.delenv("RAKORNIS_T1")
    monkeypatch.delenv("RAKORNIS_T2")


def test_missing_env_file_is_ignored(tmp_path):
    load_env_file(tmp_path / "absent.env")


def test_a_checkout_reads_its_top_level_site_folders(settings):
    # The README's layout: templates/, static/, locale/ and reference_data/ beside manage.py.
    checkout = Path(__file__).resolve().parent.parent
    assert _site.SITE_DIR == checkout
    assert settings.TEMPLATES[0]["DIRS"] == [checkout / "templates"]
    assert settings.STATICFILES_DIRS == [checkout / "static"]
    assert settings.LOCALE_PATHS == [checkout / "locale"]
    assert settings.REFERENCE_DATA_DIR == checkout / "reference_data"


def test_an_installed_copy_reads_the_folders_shipped_in_the_package(tmp_path):
    # `pip install .` copies the four folders into rakornis/_shipped/ (setup.py): they win over anything beside.
    shipped, elsewhere = tmp_path / "site-packages" / "rakornis" / "_shipped", tmp_path / "site-packages"
    (elsewhere / "templates").mkdir(parents=True)
    assert _site.site_dir(shipped=shipped, checkout=elsewhere) == elsewhere
    (shipped / "templates").mkdir(parents=True)
    assert _site.site_dir(shipped=shipped, checkout=elsewhere) == shipped
