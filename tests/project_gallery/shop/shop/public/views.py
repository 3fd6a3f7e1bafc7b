# -*- coding: utf-8 -*-
"""Public section, including homepage."""
from flask import Blueprint, request

from shop.extensions import db
from shop.public.forms import ProductForm
from shop.public.models import Product

blueprint = Blueprint('public', __name__, static_folder='../static')


@blueprint.route('/', methods=['GET', 'POST'])
def home():
    """Home page."""
    form = ProductForm(request.form)
    if request.method == 'POST' and form.validate():
        db.session.add(Product(name=form.name.data, email=form.email.data))
        db.session.commit()
    return ','.join(product.name for product in Product.query.order_by(Product.id))
