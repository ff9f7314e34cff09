"""Orbit Trivia: the Discord layer (discord.py 2.x)."""
