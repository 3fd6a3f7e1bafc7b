"""Packaging of flask-migrate-legacy."""

import os

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
PTH_FILE = "flask_migrate_legacy.pth"


class BuildPyWithImportHook(build_py):
    """Also place the import hook's .pth file at the root of the build, i.e. in site-packages."""

    def run(self):
        super().run()
        self.copy_file(os.path.join(HERE, PTH_FILE), os.path.join(self.build_lib, PTH_FILE), preserve_mode=False)

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, PTH_FILE)]


with open(os.path.join(HERE, "README.md"), encoding="utf-8") as readme:
    long_description = readme.read()

setup(
    name="flask-migrate-legacy",
    version="1.0.0",
    description="Keep Flask-Script and Flask-Migrate 2.x era manage.py projects migrating on today's Flask",
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["flask_migrate_legacy", "flask_migrate_legacy.*"]),
    package_data={"flask_migrate_legacy": ["py.typed", "templates/*/*"]},
    cmdclass={"build_py": BuildPyWithImportHook},
    entry_points={"console_scripts": ["flask-migrate-legacy = flask_migrate_legacy.package_cli:run"]},
    python_requires=">=3.8",
    install_requires=[
        "Flask>=1.1",
        "Flask-SQLAlchemy>=2.5",
        "SQLAlchemy>=1.3",
        "alembic>=1.9",
    ],
    extras_require={
        "postgresql": ["psycopg[binary]>=3.1"],
        "mysql": ["PyMySQL>=1.0"],
        "test": ["pytest>=7", "hypothesis>=6"],
    },
    classifiers=[
        "Framework :: Flask",
        "Programming Language :: Python :: 3",
        "Topic :: Database",
    ],
)
