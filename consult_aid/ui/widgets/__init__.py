"""Reusable widgets: form fields with their error messages, icon array, signature pad."""
