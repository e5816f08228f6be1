"""CSV intake: reading files of unknown provenance, mapping columns, normalising values."""
