# -*- coding: utf-8 -*-
"""Product models."""
from shop.extensions import db


class Product(db.Model):
    """A product."""

    __tablename__ = 'products'
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80, convert_unicode=True), unique=True, nullable=False)
    email = db.Column(db.String(80), nullable=False)
