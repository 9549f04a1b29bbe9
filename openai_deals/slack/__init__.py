"""The Slack app of openai-deals: ``create_app`` builds it, ``server`` runs it."""
