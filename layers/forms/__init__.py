"""Django forms of the layers app (validation close to the user; writes go through services)."""
