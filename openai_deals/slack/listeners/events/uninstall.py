"""``app_uninstalled`` and ``tokens_revoked``: delete what is stored about the workspace.

Each store holding data about a workspace (installations, question outcomes…) registers its
deletion in ``Answerer.workspace_purges``; this listener runs them all. One failing store is
logged and does not stop the others.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.slack.answerer import Answerer, Work

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of an uninstall or a token revocation, bound to ``answerer``."""

    def purge_workspace(body: dict, client: WebClient, context: BoltContext) -> None:
        event = body.get("event") or {}
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            # Only user tokens were revoked: the bot's own access, and its data, stay.
            logger.info(
                "User tokens revoked, nothing stored for them (team=%s)", body.get("team_id")
            )
            return
        enterprise_id = body.get("enterprise_id") or context.enterprise_id
        team_id = body.get("team_id") or context.team_id
        logger.info(
            "Workspace removed the app (%s): deleting its data (enterprise=%s, team=%s)",
            event.get("type"),
            enterprise_id,
            team_id,
        )
        for purge in answerer.workspace_purges:
            try:
                purge(enterprise_id, team_id)
            except Exception:
                logger.exception(
                    "Could not delete a workspace's data (store=%s, enterprise=%s, team=%s)",
                    getattr(purge, "__qualname__", purge),
                    enterprise_id,
                    team_id,
                )

    return purge_workspace
