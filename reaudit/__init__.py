"""Batch re-audit (事后审核) of whole files of claims: the flat claim format and its readers,
three engines that judge with the registry's rules (python, duckdb, spark), and the money a
draft table would move (impact).  No HTTP here: `pricing_api` calls in."""
