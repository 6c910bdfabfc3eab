"""Documents the application produces or reads (DESIGN.md §9):

- ``donnees`` gathers what a programmation's PDF shows (in a number of queries that does not grow with the
  actions); ``pdf`` is the one module that imports WeasyPrint;
- ``classeurs`` reads uploaded XLSX tables safely and writes XLSX downloads; ``exports`` defines the export
  columns (programmation, national table) and writes CSV.
"""
