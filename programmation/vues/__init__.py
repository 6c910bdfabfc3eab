"""Views of the programmation app, one module per page family."""
