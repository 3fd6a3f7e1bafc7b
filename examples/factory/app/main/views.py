from ..models import User
from . import main


@main.route('/')
def index():
    return '%d users' % User.query.count()
