"""Cogs: thin adapters from slash commands and buttons to the engine and storage."""
