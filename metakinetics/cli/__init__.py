"""Command-line interface: the only layer that parses argv, prints or exits."""
