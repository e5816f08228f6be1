"""Pure normalisers for intake values: emails, names, companies, domains, countries, identifiers."""
