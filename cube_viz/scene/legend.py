"""How to read the cube: the legend's lines for what the view shows now (a hidden element needs no entry; a
still has no wave, no turning plates)."""

from __future__ import annotations

from collections.abc import Collection

from cube_viz.scene.overlay_layout import together

TITLE = "HOW TO READ THE CUBE"
# each entry's closing phrase, a sign with its colour and a name's words are kept together where a wrapped legend
# breaks (wrapped before it, "-, bright..." read as a bullet point, a lone "down" or "passes" as an entry)
ENTRIES = (  # (the elements any one of which the line explains, the line); none over ~60 characters
    (("reflectors",), "plate = one weight"),
    (("biases",), together("small plate = one bias")),
    (("reflectors", "biases"), "plate tilt and colour = its value " + together("(red +, blue -)")),
    (("reflectors", "biases"), "pale shine = a plate tilted " + together("30 degrees") + " " + together("up or down")),
    (("rays",), f"ray = input x weight: {together('warm +')}, {together('cool -')}, "
                + together("bright and wide = large")),
    (("gel",), "gel dot: violet dims, green amplifies, " + together("grey passes")),
    (("wall",), "wall = every word, " + together("as bright as its probability")),
    (("wall",), together("gold word = top guess") + "   " + together("green word = true next word")),
)
LANES = (  # the transformer's light
    (("rays",), "pale line = a word's stream in its lane: " + together("bright = large")),
    (("rays",), "pink, lime = attention heads 1, 2: " + together("bright = weight")),
)
GATES = ((("rays",), "grey gate = a later word, closed to it " + together("(causal mask)")),)  # every position drawn
LANES_MOTION = ((("waves", "rays"), "glow on lanes, attention = " + together("the gradient going back")),)
MOTION = (  # while a step plays: the wave and the turns
    (("waves", "reflectors", "biases"), "glow = size of the gradient " + together("as the wave passes")),
    (("reflectors", "biases"), "plate 1.5x larger while turning = " + together("top 1% update or sign flip")),
)
DECAY = "cyan = pull of weight decay " + together("(stabilizing field)")


def legend_text(shown: Collection[str], motion: tuple[float, bool] | None = None, lanes: bool = False,
                gates: bool = False, weights: int | None = None) -> str:
    """The legend for a view showing the elements named in `shown`; motion: (turn exaggeration, whether
    weight decay pulls) while a step plays, None for a still; lanes: the transformer's lanes and attention;
    gates: its causal mask drawn; weights: how many plates are weights. The weight and bias entries share a
    line when both are shown."""
    entries = (ENTRIES[:5] + (LANES if lanes else ()) + (GATES if gates else ()) + ENTRIES[5:]
               + (MOTION if motion is not None else ()))
    entries += LANES_MOTION if lanes and motion is not None else ()
    lines = [line for names, line in entries if any(n in shown for n in names)]
    weight, bias = ENTRIES[0][1], ENTRIES[1][1]
    if weight in lines:
        at = lines.index(weight)
        if weights is not None:  # how many: the scale of what is drawn (28,672 plates, or 1.4 million)
            lines[at] = f"{weight} ({together(f'{weights:,} in all')})"
        if bias in lines:
            lines[at: at + 2] = [lines[at] + "   " + bias]
    plates = "reflectors" in shown or "biases" in shown
    if motion is not None and plates:
        exaggeration, decaying = motion
        if decaying:
            lines.append(DECAY)
        if exaggeration != 1:
            lines.append(f"turns exaggerated x{exaggeration:g}, " + together("settling on the true weight"))
    return "\n".join([TITLE, *lines]) if lines else ""
