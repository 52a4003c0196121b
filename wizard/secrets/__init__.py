"""Which environment values are secrets, and how to show them without showing them."""
