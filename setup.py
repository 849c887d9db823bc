"""The engine's one compiled module; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "warden.engine._native",
            ["warden/engine/_native.c"],
            extra_compile_args=["-O3"],
        )
    ]
)
