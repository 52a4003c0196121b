"""The core of compose-cutover: configuration, gateways, checks. Never imports Textual."""
