"""Replies domain: mail collection, reply processing and daily campaign metrics."""
