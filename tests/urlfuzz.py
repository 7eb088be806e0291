"""Seeded URL states for the fuzz tests, and the rules of a link, restated by hand.

``states(seed, count)`` gives query strings as (key, value) pairs, every class of bad input
mixed with good values: huge and over-long numbers, Unicode digits, floats, NaN, inf,
booleans, empty and whitespace-only values, repeated and unknown keys, sizes over the work
cap, and weights that are malformed or that no upload made. The first ``len(CLASSES)`` states
put each class first, so any prefix of that length covers them all. Each state carries how
its values were made (valid or not), which ``tests/urlfuzz_expected.py``, the independent
reference, reads to say what a correct reader must make of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# The rules, restated here rather than imported: this module is the reference.
SIZES = {
    "N": (1, 2000, 10),
    "T": (1, 500, 10),
    "D": (1, 64, 3),
    "M": (1, 256, 5),
    "K": (1, 64, 2),
    "layers": (1, 3, 1),
    "seed": (0, 2**31 - 1, 0),
}
CELLS = ("simple", "lstm", "gru")
SWITCHES = {"reset_after": True, "return_sequences": False, "bidirectional": False}
# dtype and bug: every precision, and the bugs whose reach is easy to restate here: three
# that apply to every model, and one only to a GRU with reset_after
CHOICES = {
    "dtype": ("float32", "float64"),
    "bug": ("none", "h0_ones", "bias_dropped", "activations_swapped", "reset_before"),
}
CHOICE_DEFAULTS = {"dtype": "float32", "bug": "none"}
# weights: "initial" (or its old name, "seeded"), "trained" (weights trained on the reader's
# server, which a fresh reader never holds), or 16 hex digits naming uploaded weights, which a
# fresh reader never holds either
SEEDED, TRAINED, DIGEST_CHARS = "initial", "trained", 16
# task -> (the D it fixes, the K it fixes, its least T); data: "none" or 16 hex digits naming
# uploaded data, which a fresh reader never holds; epochs: 1..200, read with weights=trained
TASKS = {
    "random": (None, None, 1),
    "sine": (1, 1, 1),
    "adding": (2, 1, 2),
    "parity": (1, 2, 1),
    "copy": (5, 4, 2),
    "brackets": (37, 37, 1),
    "python": (64, 64, 1),
}
# the tasks with a target at every step (the next character), by their titles: a link to one
# takes return_sequences on, and says so where it said otherwise
PER_STEP = {"brackets": "brackets", "python": "Python source"}
EPOCHS = (1, 200, 20)
SOURCE = ("task", "data", "epochs")
SIZE_MEANINGS = {"D": "input features", "K": "outputs"}
HEX = "0123456789abcdef"
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
SECTIONS = ("shapes", "summary", "weights", "time", "agreement", "mistakes", "spectrum")
THEMES = ("light", "dark")  # the page's theme (a view key): read case-insensitively
# The what-if: whh_scale, a decimal in [0.1, 3] with at most 2 decimals, written without
# trailing zeros; the input pattern; and the pulse's place, read only with a pulse or a step,
# where it must fit the effective T (1..T) and D (0..D-1), else it falls back with a warning.
INPUTS = ("random", "pulse", "step")
PULSE = {"pulse_t": (1, 500, 1), "pulse_d": (0, 63, 0)}  # the static range, and the default
GOOD_SCALES = ["1", "0.5", "2.25", "3", "0.1", "1.", ".5", "0.10", "1.00", "2.9"]
BAD_SCALES = [
    "abc",
    "0",
    "0.05",
    "3.01",
    "10",
    "-1",
    "1e-1",
    "nan",
    "inf",
    "",
    " ",
    "0.125",
    "1,5",
    "١.٥",
    "+1",
    "1" * 20,
    "0.5.5",
    "true",
]
CAP = 5_000_000
QUOTED = 40

# Bad text for any numeric key (none of it is a plain number in range, whatever the config).
NOT_A_NUMBER = [
    "٣",  # Arabic-Indic three
    "５",  # fullwidth five
    "1٣",
    "²",
    "1_0",
    "+3",
    "3.0",
    "2.5",
    "1e3",
    ".5",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "true",
    "false",
    "",
    " ",
    "   ",
    "\t",
    " \n ",
    "abc",
    "0x10",
    "1,000",
    "1 2",
    "-",
    "'",
    "\\",
    "10 000",
]
HUGE = ["9" * 5000, "1" * 4301, "1" * 13, str(2**64), "-" + "9" * 20, "x" * 300]
UNKNOWN_KEYS = ["n", "m", "zzz", "utm_source", "N ", "٣", "q" * 300, "Step"]
CAP_COMBOS = [  # {field: value}: every one has an array over the cap
    {"N": "2000", "T": "500", "M": "256"},
    {"N": "2000", "T": "500", "M": "6"},
    {"N": "400", "T": "500", "M": "256", "layers": "3", "bidirectional": "true"},
    {"N": "1000", "T": "500", "M": "5", "layers": "2", "bidirectional": "true"},
    {"N": "256", "T": "256", "M": "256"},
    {"N": "2000", "T": "100", "M": "100", "layers": "3"},
    {"N": "2000", "T": "500", "M": "1", "D": "64"},  # X alone: N·T·D
    {"N": "2000", "T": "500", "M": "1", "K": "32", "return_sequences": "true"},  # y alone
    {"N": "100", "T": "500", "M": "256", "D": "64", "K": "32", "return_sequences": "1"},
]
BAD_NUMBERS = (  # the classes that are a number key's text not being a plain number
    "unicode digits",
    "float",
    "nan or inf",
    "boolean for a number",
    "empty",
    "whitespace",
    "huge",
    "over long",
)
CLASSES = (
    *BAD_NUMBERS,
    "out of range",
    "repeated key",
    "unknown key",
    "work cap",
    "bad switch",
    "bad cell",
    "bad view value",
    "view out of range",
    "bad dtype or bug",
    "bug the model lacks",
    "bad weights",
    "weights not held",
    "bad whh_scale",
    "bad input",
    "pulse out of range",
    "bad x_edit",
    "x_edit not held",
    "bad task",
    "task fixes sizes",
    "bad data",
    "data not held",
    "bad epochs",
    "trained not held",
)


@dataclass
class State:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    invalid: set[tuple[str, str]] = field(default_factory=set)  # field values bad by making

    def add(self, key: str, value: str, valid: bool) -> None:
        self.pairs.append((key, value))
        if not valid:
            self.invalid.add((key, value))

    def as_params(self) -> dict[str, str | list[str]]:
        """The pairs as AppTest (and ``st.query_params``) hold them: a list for a repeat."""
        out: dict[str, list[str]] = {}
        for key, value in self.pairs:
            out.setdefault(key, []).append(value)
        return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def _good(rng: random.Random, key: str) -> str:
    """A value valid for ``key`` whatever the rest of the URL (view keys: their smallest)."""
    if key in SIZES:
        low, high, default = SIZES[key]
        # few distinct sizes, so the page's caches keep the fuzz fast; N·T·M stays small
        picks = [low, default, min(high, 20)] + ([high] if key in ("D", "K", "seed") else [])
        text = str(rng.choice(picks))
    elif key == "cell":
        text = rng.choice(CELLS)
        text = text.upper() if rng.random() < 0.2 else text
    elif key in CHOICES:
        text = rng.choice(CHOICES[key])
        text = text.upper() if rng.random() < 0.2 else text
    elif key in SWITCHES or key in ("present", "quiz"):
        text = rng.choice(TRUE + FALSE)
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "section":
        text = rng.choice(SECTIONS)
    elif key == "theme":
        text = rng.choice(THEMES)
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "view_direction":
        text = "fwd"
    elif key == "weights":
        text = rng.choice([SEEDED, "seeded"])
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "task":
        text = rng.choice(list(TASKS))
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "data":
        text = "none"
    elif key == "epochs":
        text = str(rng.choice(EPOCHS))
    elif key == "whh_scale":
        text = rng.choice(GOOD_SCALES)
    elif key == "input":
        text = rng.choice(INPUTS)
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "x_edit":
        text = NO_EDIT.upper() if rng.random() < 0.2 else NO_EDIT
    elif key in PULSE:  # the default fits every config
        text = str(PULSE[key][2])
    else:  # sample, step, unit, view_layer: the smallest is valid for every config
        text = "0" if key in ("sample", "unit") else "1"
    return f" {text} " if rng.random() < 0.1 else text


WHAT_IF = ("whh_scale", "input", *PULSE, "x_edit")
NO_EDIT = "none"  # x_edit: X as drawn, or 16 hex digits naming an edit a fresh reader never holds


def scale_text(value: float) -> str:
    """How the page writes a whh_scale: 2 decimals at most, no trailing zeros: 1, 0.5."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _bad_number(rng: random.Random, kind: str) -> str:
    pools = {
        "unicode digits": ["٣", "５", "1٣", "²"],
        "float": ["3.0", "2.5", "1e3", ".5"],
        "nan or inf": ["NaN", "nan", "inf", "-inf", "Infinity"],
        "boolean for a number": ["true", "false"],
        "empty": [""],
        "whitespace": [" ", "   ", "\t", " \n "],
        "huge": HUGE[:4],
        "over long": HUGE[4:] + ["1" * 13],
    }
    return rng.choice(pools.get(kind, NOT_A_NUMBER))


def _out_of_range(rng: random.Random, key: str) -> str:
    low, high, _ = SIZES[key]
    return str(rng.choice([low - 1, high + 1, -5, high * 10 + 7]))


NUMERIC = [k for k in SIZES if k != "seed"] + ["seed"]


def _forced(rng: random.Random, state: State, kind: str) -> None:
    """Add one instance of class ``kind`` to ``state``."""
    if kind in BAD_NUMBERS:
        key = rng.choice(NUMERIC + ["sample", "step", "unit", "view_layer", *PULSE])
        state.add(key, _bad_number(rng, kind), valid=False)
    elif kind == "out of range":
        key = rng.choice(NUMERIC)
        state.add(key, _out_of_range(rng, key), valid=False)
    elif kind == "repeated key":
        key = rng.choice(NUMERIC + ["cell", "bidirectional", "section", "sample"])
        for _ in range(rng.randint(2, 4)):
            if rng.random() < 0.5:
                state.add(key, _good(rng, key), valid=True)
            else:
                bad = _out_of_range(rng, key) if key in SIZES else rng.choice(NOT_A_NUMBER)
                if key in ("cell", "bidirectional", "section"):
                    bad = rng.choice(["maybe", "", " ", "lstmx", "٣", "x" * 100])
                state.add(key, bad, valid=False)
    elif kind == "unknown key":
        state.add(rng.choice(UNKNOWN_KEYS), rng.choice(["1", "", "x" * 60]), valid=False)
    elif kind == "work cap":
        for key, value in rng.choice(CAP_COMBOS).items():
            state.add(key, value, valid=True)
    elif kind == "bad switch":
        key = rng.choice(list(SWITCHES) + ["present", "quiz"])
        state.add(key, rng.choice(["maybe", "2", "", " ", "tru", "٣", "y" * 100]), valid=False)
    elif kind == "bad cell":
        state.add(
            "cell", rng.choice(["transformer", "lstmx", "", "  ", "ＬＳＴＭ", "c" * 80]), False
        )
    elif kind == "bad view value":
        key = rng.choice(["section", "view_direction", "theme"])
        state.add(key, rng.choice(["nope", "FWD", "", " ", "s" * 70, "time?"]), False)
    elif kind == "bad dtype or bug":
        key = rng.choice(list(CHOICES))
        state.add(key, rng.choice(["float16", "double", "", " ", "h0", "b" * 90]), False)
    elif kind == "bug the model lacks":  # valid in form; an LSTM has no reset gate
        state.add("cell", "lstm", True)
        state.add("bug", "reset_before", True)
    elif kind == "bad weights":
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        bad = [digits[:-1], digits + "0", digits[:-1] + "g", "seed", "", " ", "w" * 90, "٣" * 16]
        state.add("weights", rng.choice(bad), False)
    elif kind == "weights not held":  # valid in form; nothing was uploaded to this reader
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        state.add("weights", digits.upper() if rng.random() < 0.2 else digits, True)
    elif kind == "bad x_edit":
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        bad = [digits[:-1], digits + "1", "nothing", "", " ", "e" * 90, "seeded"]
        state.add("x_edit", rng.choice(bad), False)
    elif kind == "x_edit not held":  # valid in form; nothing was edited on this reader
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        state.add("x_edit", digits.upper() if rng.random() < 0.2 else digits, True)
    elif kind == "bad whh_scale":
        state.add("whh_scale", rng.choice(BAD_SCALES), False)
    elif kind == "bad input":
        state.add("input", rng.choice(["noise", "", " ", "pulses", "٣", "i" * 80, "sine"]), False)
    elif kind == "pulse out of range":
        # valid in form; whether it fits depends on the effective input, T and D
        state.add("input", rng.choice(["pulse", "step", "random"]), True)
        key = rng.choice(list(PULSE))
        low, high, _ = PULSE[key]
        if rng.random() < 0.3:  # out of even the static range: bad in form
            state.add(key, str(rng.choice([low - 1, high + 1, 10**6])), False)
        else:
            state.add(key, str(rng.choice([low, 2, 9, 10, 11, high])), True)
    elif kind == "bad task":
        state.add("task", rng.choice(["sines", "", " ", "add", "٣", "t" * 80, "none"]), False)
    elif kind == "task fixes sizes":  # valid in form; the task overrides D, K or a short T
        state.add("task", rng.choice(["sine", "adding", "parity", "copy"]), True)
        key = rng.choice(["D", "K", "T"])
        state.add(key, {"D": "3", "K": "3", "T": "1"}[key], True)
    elif kind == "bad data":
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        bad = [digits[:-1], digits + "2", "nothing", "", " ", "d" * 90, "seeded"]
        state.add("data", rng.choice(bad), False)
    elif kind == "data not held":  # valid in form; nothing was uploaded to this reader
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        state.add("data", digits.upper() if rng.random() < 0.2 else digits, True)
    elif kind == "bad epochs":
        state.add("epochs", rng.choice(["0", "201", "-1", "1.5", "", "many", "9" * 30]), False)
    elif kind == "trained not held":  # valid in form; nothing was trained on this reader
        if rng.random() < 0.7:
            state.add("task", rng.choice(["sine", "adding", "parity", "copy"]), True)
        state.add("weights", rng.choice([TRAINED, TRAINED.upper()]), True)
        if rng.random() < 0.5:
            state.add("epochs", str(rng.choice([1, 7, 200])), True)
    elif kind == "view out of range":
        # valid in form; whether it is in range depends on the effective config
        key = rng.choice(["sample", "step", "unit", "view_layer", "view_direction"])
        value = {"sample": "9", "step": "10", "unit": "4", "view_layer": "2"}.get(key, "bwd")
        state.add(key, rng.choice([value, str(10**9)]) if key != "view_direction" else value, True)


def states(seed: int, count: int) -> list[State]:
    """``count`` URL states from ``seed``; state i starts with class i % len(CLASSES)."""
    rng = random.Random(seed)
    out = []
    keys = list(SIZES) + ["cell", *SWITCHES, *CHOICES, "weights", *WHAT_IF, *SOURCE]
    keys += ["sample", "step", "unit", "view_layer"]
    keys += ["view_direction", "present", "section", "quiz", "theme"]
    for i in range(count):
        state = State()
        _forced(rng, state, CLASSES[i % len(CLASSES)])
        for _ in range(rng.randint(0, 4)):  # a few more, good or bad, in any order
            if rng.random() < 0.5:
                _forced(rng, state, rng.choice(CLASSES))
            else:
                key = rng.choice(keys)
                state.add(key, _good(rng, key), valid=True)
        rng.shuffle(state.pairs)
        out.append(state)
    return out
