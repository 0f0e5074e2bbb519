"""Ground floor: the typed records, errors, settings and text utilities every other floor shares; imports nothing of the project."""
