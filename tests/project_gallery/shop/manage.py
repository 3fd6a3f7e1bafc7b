#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Management script."""
from flask_script import Manager, Server
from flask_migrate import MigrateCommand

from shop.app import create_app
from shop.extensions import db
from shop.public.models import Product

manager = Manager(create_app)
manager.add_option('-c', '--config', dest='config_object', required=False)
manager.add_command('server', Server())
manager.add_command('db', MigrateCommand)


@manager.option('-n', '--name', dest='name', default='tea')
def add_product(name):
    """Add a product."""
    db.session.add(Product(name=name, email='shop@example.com'))
    db.session.commit()


if __name__ == '__main__':
    manager.run()
