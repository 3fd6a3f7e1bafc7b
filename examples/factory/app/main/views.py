from . import main
from ..models import User


@main.route('/')
def index():
    return '%d users' % User.query.count()
