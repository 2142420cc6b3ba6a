"""Where uploads and job files live is chosen by the environment: the filesystem by default, an S3-compatible bucket
with STORAGE_BACKEND=s3; anything else refuses to start. Settings are read once, at import: each case imports them
in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
OURS = ("STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "AWS_LOCATION")


def default_storage_under(**env: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in OURS}
    environment.update({"DEBUG": "true", **env})
    code = (
        "import json\n"
        "try:\n"
        "    import rakornis.settings as s\n"
        "except Exception as exc:\n"
        "    print(json.dumps({'error': str(exc)}))\n"
        "else:\n"
        "    print(json.dumps(s.STORAGES['default']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=CHECKOUT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_filesystem_by_default():
    assert default_storage_under() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_s3_compatible_bucket_by_environment_private_and_never_overwritten():
    storage = default_storage_under(
        STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="rakornis-files", AWS_S3_ENDPOINT_URL="https://minio.internal"
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"]) == ("rakornis-files", "https://minio.internal")
    assert (options["default_acl"], options["querystring_auth"], options["file_overwrite"]) == ("private", True, False)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME."),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be filesystem or s3, not 'ftp'."),
    ],
)
def test_an_incomplete_or_unknown_storage_refuses_to_start(env, message):
    assert default_storage_under(**env) == {"error": message}
