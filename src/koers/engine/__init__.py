"""Koers's pure calculation core: plain data in, plain data out, no Django."""
