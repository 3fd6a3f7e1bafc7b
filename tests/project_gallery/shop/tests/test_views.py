# -*- coding: utf-8 -*-
"""Functional tests."""
from shop.app import create_app
from shop.extensions import db
from shop.settings import TestConfig


def test_a_product_is_added_and_listed():
    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    client.post('/', data={'name': 'tea', 'email': 'a@example.com'})
    assert client.get('/').data == b'tea'
