import os

os.environ['DATABASE_URL'] = 'sqlite://'

from blog import app, db, Post


def test_the_pages():
    with app.app_context():
        db.create_all()
        db.session.add(Post(title='hello', body='at :noon'))
        db.session.add(Post(title='again', body='later'))
        db.session.commit()
    client = app.test_client()
    assert client.get('/').data == b'hello<br>again'
    assert client.get('/count').data == b'2'
    assert client.get('/not-noon').data == b'1'
    assert client.get('/upload/my file.txt').data == b'my_file.txt'
    assert client.get('/cookie').data == b'session'
