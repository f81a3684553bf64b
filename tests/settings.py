"""Settings for the test suite: development mode (public development keys), set explicitly.

Set in the environment, so subprocesses the tests start (workers, gunicorn) inherit it.
"""

import os

os.environ.setdefault("NARA_DEV_MODE", "1")

from nara.settings import *  # noqa: E402, F403
