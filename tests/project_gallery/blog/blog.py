import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import Markup
from werkzeug import secure_filename

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = os.environ.get(
    'DATABASE_URL', 'sqlite:///' + os.path.join(os.path.dirname(os.path.abspath(__file__)), 'blog.db'))
app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False
app.config['JSON_SORT_KEYS'] = False
db = SQLAlchemy(app)


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(80))
    body = db.Column(db.Text)


@app.route('/')
def index():
    page = request.args.get('page', 1, type=int)
    posts = Post.query.order_by(Post.id).paginate(page, 10, False)
    return Markup('<br>').join(post.title for post in posts.items)


@app.route('/count')
def count():
    return str(db.session.execute("SELECT count(*) FROM post").scalar())


@app.route('/not-noon')
def not_noon():
    with db.engine.connect() as conn:
        return str(conn.execute("SELECT count(*) FROM post WHERE body != 'at :noon'").scalar())


@app.route('/upload/<name>')
def upload(name):
    return secure_filename(name)


@app.route('/cookie')
def cookie():
    return app.session_cookie_name
