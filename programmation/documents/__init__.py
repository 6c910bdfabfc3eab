"""Documents made from a programmation (DESIGN.md §9): the PDF to be signed by the prefect.

``donnees`` gathers what a document shows (in a number of queries that does not grow with the actions);
``pdf`` is the one module that imports WeasyPrint.
"""
