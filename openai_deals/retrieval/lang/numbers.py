"""Number words, so that "un milliard" and "1 milliard", "dix" and "10" give the same term."""

# Always numbers. "un"/"une" are numbers only before a magnitude (below): elsewhere they are
# articles and stop words.
NUMBER_WORDS: dict[str, str] = {
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "six": "6",
    "sept": "7",
    "huit": "8",
    "neuf": "9",
    "dix": "10",
    "onze": "11",
    "douze": "12",
    "quinze": "15",
    "vingt": "20",
    "trente": "30",
    "quarante": "40",
    "cinquante": "50",
    "soixante": "60",
    "cent": "100",
    "mille": "1000",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "ten": "10",
    "hundred": "100",
    "thousand": "1000",
}

ONE_WORDS: frozenset[str] = frozenset({"un", "une", "a", "one"})

# A "one" word before one of these is the number 1 ("un milliard de dollars").
MAGNITUDES: frozenset[str] = frozenset(
    {
        "million",
        "millions",
        "milliard",
        "milliards",
        "billion",
        "billions",
        "millier",
        "milliers",
    }
)
