import unittest
from flask import current_app
from app import create_app, db
from app.models import User


class BasicsTestCase(unittest.TestCase):
    def setUp(self):
        self.app = create_app('testing')
        self.app_context = self.app.app_context()
        self.app_context.push()
        db.create_all()
        self.client = self.app.test_client()

    def tearDown(self):
        db.session.remove()
        db.drop_all()
        self.app_context.pop()

    def test_app_exists(self):
        self.assertFalse(current_app is None)

    def test_a_name_is_saved_and_listed(self):
        response = self.client.post('/', data={'name': 'ann', 'location': 'here'})
        self.assertEqual(response.status_code, 302)
        self.assertIn(b'ann', self.client.get('/?page=1').data)

    def test_confirmation_token(self):
        user = User(username='bob')
        db.session.add(user)
        db.session.commit()
        self.assertTrue(user.confirm(user.generate_confirmation_token()))
        self.assertFalse(user.confirm('not a token'))
