"""Generate the bundled corpus: simple English sentences from a small grammar.

The grammar has real structure a next-word model can learn: subject-verb agreement
(the cat sleeps / the cats sleep), verbs that choose their objects (eats -> food,
reads -> things to read), determiners that agree with number, places after prepositions.

    python scripts/make_corpus.py            # rewrites assets/corpus.txt
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

# noun stem -> plural; grouped by meaning so verbs can select their objects
ANIMALS = {"cat": "cats", "dog": "dogs", "bird": "birds", "fox": "foxes", "horse": "horses",
           "cow": "cows", "rabbit": "rabbits", "mouse": "mice", "duck": "ducks", "goat": "goats",
           "sheep": "sheep", "frog": "frogs", "owl": "owls", "bear": "bears"}
PEOPLE = {"girl": "girls", "boy": "boys", "teacher": "teachers", "farmer": "farmers",
          "doctor": "doctors", "child": "children", "woman": "women", "man": "men",
          "student": "students", "baker": "bakers", "driver": "drivers", "singer": "singers",
          "friend": "friends", "king": "kings", "queen": "queens"}
FOOD = {"apple": "apples", "cake": "cakes", "carrot": "carrots", "fish": "fish",
        "sandwich": "sandwiches", "egg": "eggs", "pear": "pears", "cookie": "cookies"}
READING = {"book": "books", "letter": "letters", "story": "stories", "map": "maps",
           "poem": "poems", "newspaper": "newspapers"}
VEHICLES = {"car": "cars", "bus": "buses", "truck": "trucks", "boat": "boats",
            "tractor": "tractors", "bicycle": "bicycles"}
TOYS = {"ball": "balls", "game": "games", "kite": "kites", "drum": "drums", "song": "songs"}
PLACES = ["garden", "park", "river", "forest", "house", "school", "kitchen", "field", "hill",
          "market", "village", "barn", "lake", "road", "city"]
ADJECTIVES = {
    "animal": ["small", "big", "old", "young", "brown", "white", "hungry", "sleepy", "quick"],
    "person": ["young", "old", "tall", "happy", "tired", "kind", "busy", "clever"],
    "food": ["fresh", "sweet", "warm", "green", "red", "big"],
    "reading": ["long", "short", "old", "new", "funny", "strange"],
    "vehicle": ["red", "blue", "new", "old", "fast", "slow"],
    "toy": ["new", "loud", "blue", "yellow", "little"],
}
# verb: (3rd person singular, plural/base, past, object kind or None)
TRANSITIVE = [
    ("eats", "eat", "ate", "food"), ("likes", "like", "liked", "food"),
    ("cooks", "cook", "cooked", "food"), ("buys", "buy", "bought", "food"),
    ("reads", "read", "read", "reading"), ("writes", "write", "wrote", "reading"),
    ("drives", "drive", "drove", "vehicle"), ("washes", "wash", "washed", "vehicle"),
    ("plays", "play", "played", "toy"), ("throws", "throw", "threw", "toy"),
    ("chases", "chase", "chased", "animal"), ("feeds", "feed", "fed", "animal"),
    ("sees", "see", "saw", "any"), ("finds", "find", "found", "any"),
]
INTRANSITIVE = [("sleeps", "sleep", "slept"), ("runs", "run", "ran"), ("sings", "sing", "sang"),
                ("walks", "walk", "walked"), ("waits", "wait", "waited"),
                ("jumps", "jump", "jumped"), ("swims", "swim", "swam"), ("plays", "play", "played")]
ANIMAL_ONLY_TRANSITIVE = {"reads", "writes", "drives", "washes", "cooks", "buys"}  # animals never do these
PREPOSITIONS = ["in", "near", "behind", "by", "at"]
ADVERBS = ["quickly", "slowly", "quietly", "happily", "again", "today", "every", "morning"]
TIME_WORDS = ["yesterday", "last", "night"]
SG_DETERMINERS = ["the", "a", "my", "our", "this", "one"]
PL_DETERMINERS = ["the", "some", "many", "two", "three", "these", "our", "my"]
NAMES = ["anna", "tom", "lily", "sam", "maria", "ben", "zoe", "omar"]

KINDS = {"animal": ANIMALS, "person": PEOPLE, "food": FOOD, "reading": READING,
         "vehicle": VEHICLES, "toy": TOYS}


def noun_phrase(rng: random.Random, kind: str, plural: bool) -> list[str]:
    nouns = KINDS[kind]
    stem = rng.choice(sorted(nouns))
    det = rng.choice(PL_DETERMINERS if plural else SG_DETERMINERS)
    words = [det]
    if rng.random() < 0.35:
        words.append(rng.choice(ADJECTIVES[kind]))
    words.append(nouns[stem] if plural else stem)
    if det == "a" and words[1][0] in "aeiou":
        words[0] = "an"
    return words


def subject(rng: random.Random) -> tuple[list[str], str, bool]:
    """A subject phrase, its kind and whether it is plural."""
    kind = rng.choice(["animal", "person", "person"])
    if kind == "person" and rng.random() < 0.2:
        return [rng.choice(NAMES)], kind, False
    plural = rng.random() < 0.45
    return noun_phrase(rng, kind, plural), kind, plural


def place(rng: random.Random) -> list[str]:
    return [rng.choice(PREPOSITIONS), "the", rng.choice(PLACES)]


def sentence(rng: random.Random) -> list[str]:
    subj, kind, plural = subject(rng)
    past = rng.random() < 0.2
    roll = rng.random()
    if roll < 0.35:
        sg, pl, pa, *_ = rng.choice(INTRANSITIVE)
        verb = pa if past else (pl if plural else sg)
        words = subj + [verb]
    elif roll < 0.85:
        choices = [v for v in TRANSITIVE if not (kind == "animal" and v[0] in ANIMAL_ONLY_TRANSITIVE)]
        sg, pl, pa, obj_kind = rng.choice(choices)
        if obj_kind == "any":
            obj_kind = rng.choice(sorted(KINDS))
        verb = pa if past else (pl if plural else sg)
        words = subj + [verb] + noun_phrase(rng, obj_kind, rng.random() < 0.4)
    else:  # negation carries agreement two words ahead: the cat does not sleep
        sg, pl, _, *_ = rng.choice(INTRANSITIVE)
        aux = "did" if past else ("do" if plural else "does")
        words = subj + [aux, "not", pl]
    if rng.random() < 0.4:
        words += place(rng)
    if rng.random() < 0.15:
        if past:
            words += ["yesterday"] if rng.random() < 0.5 else ["last", "night"]
        else:
            words += ["every", "morning"] if rng.random() < 0.4 else [rng.choice(ADVERBS[:5])]
    return words + ["."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "assets" / "corpus.txt")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lines = [" ".join(sentence(rng)) for _ in range(args.sentences)]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    words = {w for line in lines for w in line.split()}
    print(f"wrote {args.out}: {len(lines)} sentences, {sum(len(s.split()) for s in lines)} words, "
          f"{len(words)} distinct")


if __name__ == "__main__":
    main()
