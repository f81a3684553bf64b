"""Settings for the test suite: production settings plus the explicit development-key opt-in.

Set in the environment, so subprocesses the tests start (workers, gunicorn) inherit it.
"""

import os

os.environ.setdefault("NARA_INSECURE_DEV_KEY", "1")

from nara.settings import *  # noqa: E402, F403
