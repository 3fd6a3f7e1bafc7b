"""A notes app written for today's stack: the doctor has nothing to say about it."""
import os

import sqlalchemy as sa
from flask import Flask, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from markupsafe import Markup

db = SQLAlchemy()
migrate = Migrate()


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(200))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite://")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    app.json.sort_keys = False
    db.init_app(app)
    migrate.init_app(app, db)

    @app.route("/")
    def index():
        notes = db.paginate(db.select(Note).order_by(Note.id), page=request.args.get("page", 1, type=int),
                            per_page=20, error_out=False)
        return Markup("<br>").join(note.text for note in notes.items)

    @app.route("/count")
    def count():
        return str(db.session.execute(sa.text("SELECT count(*) FROM note")).scalar())

    @app.route("/<int:note_id>")
    def show(note_id):
        note = db.session.get(Note, note_id)
        return note.text if note else ("", 404)

    return app
