"""``python -m openai_deals``: the same command line as ``openai-deals``."""

from openai_deals.cli import main

raise SystemExit(main())
