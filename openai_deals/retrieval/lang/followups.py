"""Words that mark a message as a follow-up of the question before it
(``retrieval.answering.followup``).

- ``CONJUNCTIONS``: a message starting with one continues the conversation ("Et Google ?",
  "Mais en 2019 ?", "And Google?").
- ``PRONOUNS``: words standing for something named earlier ("Combien a-t-il investi ?",
  "Qui l'a remplacé ?"); only telling when the message names nothing itself.
- ``OTHER_QUESTION_WORDS``: asking words that are stop words to the index but change what is
  asked ("Et pourquoi ?"): kept when the previous question is re-read.
"""

CONJUNCTIONS = ("et", "mais", "puis", "sinon", "ou", "alors", "and", "what about", "how about")

PRONOUNS = (
    "il",
    "elle",
    "ils",
    "elles",
    "lui",
    "leur",
    "leurs",
    "eux",
    "l'",
    "ça",
    "cela",
    "celui-ci",
    "celle-ci",
    "ce dernier",
    "cette dernière",
    "cette entreprise",
    "cette société",
    "ce partenariat",
    "cet accord",
    "it",
    "they",
    "them",
)

OTHER_QUESTION_WORDS = (
    "pourquoi",
    "comment",
    "où",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "lequel",
    "laquelle",
    "quoi",
    "why",
    "how",
    "where",
    "which",
    "what",
)

# Words before a date that belong with it (« en 2019 », « début 2023 »).
DATE_LEAD_WORDS = ("en", "depuis", "début", "fin", "mi", "in", "since")
