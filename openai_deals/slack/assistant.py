"""The Agents & AI Apps surface: bolt-python's ``Assistant`` middleware, wired to the bot.

``assistant_thread_started`` → a welcome and up to four suggested prompts drawn from the
deals the articles report (``suggested_prompts``); a person's message in an assistant thread
→ « Je cherche dans les articles… » (``assistant.threads.setStatus``), the answer in the
thread (read with the thread's previous question), and the thread's title from its first
question; ``assistant_thread_context_changed`` → the channel the person is looking at is
kept (``AssistantContexts``). One listener file per event, in ``listeners/assistant/``, whose
``build_assistant`` makes the middleware; each acknowledges at once and works on the answer
pool. This module holds what those listeners share: the prompts and the contexts.

Where the workspace has no AI apps, none of these events arrive and DMs work as before. The
middleware only takes the DM messages of threads it saw start (``assistant_threads``): any
other DM, threaded or not, goes on to the ordinary DM listener, so no message is answered
twice or swallowed. With ``REDIS_URL`` that memory is shared by every process (``redis_state``);
in memory, after a restart, an assistant thread's messages are answered as plain DMs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from openai_deals import messages as m
from openai_deals.retrieval.model import Partnership

MAX_PROMPTS = 4  # Slack shows at most four suggested prompts
MAX_CONTEXTS = 100_000


def suggested_prompts(timeline: Sequence[Partnership], limit: int = MAX_PROMPTS) -> list[dict]:
    """Up to ``limit`` prompts, one per partnership of the timeline (most deals first),
    worded after the kind of its first deal: they change when the corpus does."""
    lanes = sorted(timeline, key=lambda lane: -len(lane.deals))
    prompts: list[str] = []
    for lane in lanes:
        parties = lane.deals[0].parties if lane.deals else lane.parties
        giver, receiver = (*parties, "")[:2]
        if not giver:
            continue
        kind = lane.deals[0].kind.value if lane.deals else ""
        if receiver:
            template = m.ASSISTANT_PROMPTS.get(kind, m.ASSISTANT_PROMPT_DEAL)
        else:
            template = m.ASSISTANT_PROMPTS.get(kind, m.ASSISTANT_PROMPT_ONE)
            if "{receiver}" in template:
                template = m.ASSISTANT_PROMPT_ONE
        prompt = template.format(giver=giver, receiver=receiver)
        if prompt not in prompts:
            prompts.append(prompt)
        if len(prompts) == limit:
            break
    return [{"title": p, "message": p} for p in prompts]


class AssistantContexts:
    """The context (channel being viewed…) of each assistant thread, in memory, bounded."""

    def __init__(self, max_threads: int = MAX_CONTEXTS) -> None:
        self._max = max_threads
        self._contexts: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def save(self, channel: str, thread_ts: str, context: dict) -> None:
        key = f"{channel}:{thread_ts}"
        with self._lock:
            self._contexts[key] = dict(context)
            self._contexts.move_to_end(key)
            while len(self._contexts) > self._max:
                self._contexts.popitem(last=False)

    def get(self, channel: str, thread_ts: str) -> dict | None:
        with self._lock:
            return self._contexts.get(f"{channel}:{thread_ts}")
