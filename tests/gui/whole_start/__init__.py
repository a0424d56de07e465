"""Tests that run the whole window start (run_app) from the sign-in page (issue 16)."""
