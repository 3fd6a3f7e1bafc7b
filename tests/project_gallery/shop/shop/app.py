# -*- coding: utf-8 -*-
"""The app module, containing the app factory function."""
from flask import Flask

from shop import public
from shop.extensions import csrf_protect, db, migrate
from shop.settings import ProdConfig


def create_app(config_object=None):
    """An application factory, as explained here: http://flask.pocoo.org/docs/patterns/appfactories/."""
    app = Flask(__name__.split('.')[0])
    app.config.from_object(config_object or ProdConfig)
    db.init_app(app)
    csrf_protect.init_app(app)
    migrate.init_app(app, db)
    app.register_blueprint(public.views.blueprint)
    return app
