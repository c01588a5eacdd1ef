"""newsweave: verified, cited story dossiers from many news articles."""

__version__ = "0.1.0"
