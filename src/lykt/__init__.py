"""Lykt: anonymous real-time chat for helplines that talk with children and young people."""

__version__ = "0.1.0"
