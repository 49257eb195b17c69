"""Built-in okrsite themes, shipped as package data (see okrsite.render.theme)."""
