"""The production deploy step: collectstatic with whitenoise's compressed manifest (DEBUG off) must succeed."""

import json
import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command


def test_collectstatic_writes_the_manifest(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0, stdout=StringIO())
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css"))


# Every {% static '...' %} a template names, with the template that names it.
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")


def static_names_in_templates(folders: list[Path]) -> dict[str, str]:
    names = {}
    for folder in folders:
        for template in Path(folder).rglob("*.html"):
            for name in STATIC_TAG.findall(template.read_text(encoding="utf-8")):
                names[name] = str(template.relative_to(folder))
    return names


def test_every_static_file_a_template_names_is_in_the_manifest(settings, tmp_path):
    # With DEBUG off a {% static %} missing from the manifest is a ValueError: a 500 on every page using it.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0, stdout=StringIO())
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    names = static_names_in_templates(settings.TEMPLATES[0]["DIRS"])
    assert "css/rakornis.css" in names  # the scan itself finds base.html's stylesheet
    missing = {name: template for name, template in names.items() if name not in manifest}
    assert not missing, f"static files named by templates but not collected: {missing}"
    # Hashed names, so a new release is never served from a browser's year-long cache of the old file.
    assert re.fullmatch(r"css/rakornis\.[0-9a-f]{12}\.css", manifest["css/rakornis.css"])
