from flask import Blueprint, jsonify

from ..models import Role

api = Blueprint('api', __name__)


@api.route('/roles')
def roles():
    return jsonify(sorted(role.name for role in Role.query.all()))
