"""Pytest plugins shared by the sfbot test suite."""
