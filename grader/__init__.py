"""An autograder for notebook-based course assignments."""
__version__ = "0.1.0"
