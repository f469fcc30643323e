"""Text understanding: pure functions, string in, data out."""
