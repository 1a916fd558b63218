"""Batch imports from the files producers make: reading CSV and xlsx uploads (`files`), their cells (`cells`),
their columns and rows (`rows`), and the templates to fill in (`template`)."""
