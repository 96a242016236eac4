"""Coding: the codebook, passages coded with its codes, and what coders make of them."""
