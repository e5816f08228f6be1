"""Platform domain: the database schema every other asset stands on."""
