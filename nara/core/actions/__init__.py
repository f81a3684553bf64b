"""Writes that matter: keyword-only functions, one transaction each, audit trail included."""
