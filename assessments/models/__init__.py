from .instruments import *  # noqa: F401,F403
from .journal import *  # noqa: F401,F403
from .pulse import *  # noqa: F401,F403
