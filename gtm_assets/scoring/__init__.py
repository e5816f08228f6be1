"""Scoring domain: the ICP as an observed source and the contact scores that follow it."""
