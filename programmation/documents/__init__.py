"""Documents the application produces or reads: spreadsheets (XLSX, CSV), PDF."""
