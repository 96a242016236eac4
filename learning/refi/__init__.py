"""REFI-QDA exchange: the codebook (.qdc) and the whole project (.qdpx) to and from other tools."""
