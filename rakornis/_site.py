"""Where the site's own files are: templates/, static/, locale/ and reference_data/.

In a checkout (and an editable install, which is what `make install` makes) they are the top-level folders beside
manage.py, as the README describes. A regular install (`pip install .`, a wheel) has no checkout: the build
(setup.py, `build_py`) copies the four folders into the package as `rakornis/_shipped/`, and this module points the
settings there. Nothing moves in the checkout, and the settings never guess at a path that does not exist.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The folders a build copies into the package, by their names in the checkout.
SHIPPED_FOLDERS = ("templates", "static", "locale", "reference_data")
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
CHECKOUT_DIR = PACKAGE_DIR.parent


def site_dir(shipped: Path = SHIPPED_DIR, checkout: Path = CHECKOUT_DIR) -> Path:
    """The folder holding templates/, static/, locale/ and reference_data/ for this copy of the code."""
    # The installed copy first: a checkout never has rakornis/_shipped/ (the build writes it into build/ and the
    # wheel), while site-packages may hold a stray templates/ of some other distribution.
    if (shipped / "templates").is_dir():
        return shipped
    return checkout


SITE_DIR = site_dir()
