"""The Textual UI of compose-cutover. Imports wizard.*; wizard never imports this package."""
