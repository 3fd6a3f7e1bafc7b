from flask_wtf import Form
from wtforms import StringField, TextField, SubmitField
from wtforms.validators import Required, Length


class NameForm(Form):
    name = StringField('What is your name?', validators=[Required()])
    location = TextField('Location', validators=[Length(0, 64)])
    submit = SubmitField('Submit')
