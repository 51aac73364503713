"""Pure business rules. Imports nothing from the rest of the package nor any framework."""
