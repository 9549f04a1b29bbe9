"""openai-deals: French answers, cited from news articles, about the AI industry's deals.

Sub-packages: ``openai_deals.retrieval`` (the answering core, no Slack),
``openai_deals.slack`` (the Slack app) and the command line in ``openai_deals.cli``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openai-deals")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
