from app_core import app
print("hello")
