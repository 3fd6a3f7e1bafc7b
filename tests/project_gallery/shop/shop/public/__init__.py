# -*- coding: utf-8 -*-
"""The public module, including the homepage."""
from . import views  # noqa
