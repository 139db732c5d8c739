"""Packaging only: every module of generator/ (found, not listed) plus our templates as package data.

The repository's top-level templates/ is also the example school's own folder
(CONTRACT.md), so it stays where it is; in the wheel it becomes
generator/templates/, where generator/output/templates.py looks first. An
editable install reads it from the checkout instead. Metadata is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["generator", "generator.*"]), "generator.templates"],
    package_dir={"generator.templates": "templates"},
    package_data={"generator.templates": ["**/*"]},
    exclude_package_data={"generator.templates": ["**/__pycache__/*"]},
)
