from flask import render_template_string, request, redirect, url_for, current_app
from . import main
from .forms import NameForm
from .. import db
from ..models import User


@main.route('/', methods=['GET', 'POST'])
def index():
    form = NameForm()
    if form.validate_on_submit():
        db.session.add(User(username=form.name.data))
        db.session.commit()
        return redirect(url_for('.index'))
    page = request.args.get('page', 1, type=int)
    pagination = User.query.order_by(User.id).paginate(
        page, current_app.config['FLASKY_POSTS_PER_PAGE'], False)
    return render_template_string('{{ names|join(",") }}',
                                  names=[u.username for u in pagination.items])
