"""Outcomes engine (no Django)."""
