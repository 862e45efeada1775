"""Fokus's own default conversation prompts (written for Fokus, inspired by the
FIT way of talking with a family about its graph; no licensed text). An
administrator edits them in the admin. Used by the data migration."""

DEFAULT_PROMPTS = {
    "not_on_track": {
        "da": "Linjen er under det forventede. Spørg: Hvad skulle der til, for at I kunne mærke "
              "en lille forskel? Er det vi laver det rigtige for jer - eller skal vi prøve noget andet?",
        "en": "The line is below what we expected. Ask: What would it take for you to notice a "
              "small difference? Is what we are doing the right thing for you, or should we try "
              "something else?",
    },
    "deterioration": {
        "da": "Det er gået tydeligt ned siden start. Spørg: Hvad er sket siden sidst? Hvad har "
              "gjort det sværere? Skal vi ændre noget i indsatsen, eller inddrage andre?",
        "en": "Things have gone clearly down since the start. Ask: What has happened since last "
              "time? What has made it harder? Should we change something in the support, or bring "
              "in someone else?",
    },
    "low_alliance": {
        "da": "Samarbejdet scorer lavt. Tak for ærligheden, og spørg: Hvad kunne jeg gøre "
              "anderledes næste gang? Talte vi om det, der er vigtigst for jer?",
        "en": "The meeting was rated low. Thank them for being honest, and ask: What could I do "
              "differently next time? Did we talk about what matters most to you?",
    },
    "falling_alliance": {
        "da": "Samarbejdet er faldet siden sidst. Spørg: Hvad var anderledes i dag? Var der noget, "
              "der ikke passede jer - tempoet, emnerne eller måden vi talte på?",
        "en": "The meeting was rated lower than last time. Ask: What was different today? Was "
              "something not right for you: the pace, the topics, or the way we talked?",
    },
    "no_rating": {
        "da": "Der mangler svar fra de seneste møder. Spørg: Giver skemaet mening for dig? Er der "
              "en anden måde eller et andet tidspunkt, hvor det er lettere at svare?",
        "en": "There are no ratings from the last meetings. Ask: Does the form make sense to "
              "you? Is there another way or another time that would make it easier to answer?",
    },
    "raters_disagree": {
        "da": "I ser forskelligt på det. Vis graferne og spørg: Hvad ser du, som den anden ikke "
              "ser? Hvad skulle der ske, for at I begge kunne mærke en forandring?",
        "en": "You see things differently. Show the lines and ask: What do you see that the "
              "other does not? What would need to happen for both of you to notice a change?",
    },
    "no_change": {
        "da": "Der sker ikke meget. Spørg: Hvad har vi prøvet, som ikke har hjulpet? Hvem eller "
              "hvad kunne gøre en forskel? Er det tid til at prøve noget helt andet?",
        "en": "Not much is changing. Ask: What have we tried that has not helped? Who or what "
              "could make a difference? Is it time to try something quite different?",
    },
    "faces_sad": {
        "da": "Barnet valgte et trist ansigt. Spørg barnet med dets egne ord: Hvad gør dig ked af "
              "det? Hvad var godt i denne uge? Tal med forældrene om, hvad de ser.",
        "en": "The child chose a sad face. Ask the child in its own words: What makes you sad? "
              "What was good this week? Talk with the parents about what they see.",
    },
}
