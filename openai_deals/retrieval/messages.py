"""The French text retrieval puts in an Answer (one place, so the wording stays consistent)."""

ANSWER_LEAD = "Voici ce que disent les articles :"
ABSTAIN = (
    "Je ne sais pas : les articles que je connais ne parlent pas de ça. "
    "Je couvre les partenariats de l’IA (Microsoft–OpenAI, Google–Anthropic), "
    "la crise de gouvernance d’OpenAI et ses modèles ouverts."
)
NO_CONTENT_WORDS = (
    "Je n’ai pas trouvé de mot-clé dans votre question. "
    "Essayez par exemple : « Combien Google a-t-il investi dans Anthropic ? »"
)
NO_MORE = "Je n’ai pas d’autre extrait pertinent pour cette question."
