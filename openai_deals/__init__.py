"""openai-deals: command line and settings shared by the CLI and the Slack bot."""
