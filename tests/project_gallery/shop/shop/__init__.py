# -*- coding: utf-8 -*-
"""The shop."""
