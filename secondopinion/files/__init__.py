"""Uploaded files, whichever app takes them: checks (name, size, type) and virus scanning."""
