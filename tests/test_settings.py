import os

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
