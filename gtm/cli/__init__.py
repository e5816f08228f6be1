"""The `gtm` command line: thin wrappers that parse, call `gtm.*`, and print."""
