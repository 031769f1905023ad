"""Shipped datasets of the Shandong Cluster Atlas (installed as the package ``atlas_data``).

This folder holds data files only (see README.md here). Code never builds paths into it by
hand: it asks :func:`geo.registry.data_path`, which reads the installed package through
:mod:`importlib.resources`, so the data travels inside a wheel and works from any folder.
"""
