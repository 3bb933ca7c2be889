"""How to read the cube: the legend's lines for what the view shows now (a hidden element needs no entry; a
still has no wave, no turning plates)."""

from __future__ import annotations

from collections.abc import Collection

TITLE = "HOW TO READ THE CUBE"
ENTRIES = (  # (the elements any one of which the line explains, the line); none over ~60 characters; a sign
    # stays with its colour, a name's words together, by no-break spaces (wrapped before it, "-, bright..." read
    # as a bullet point)
    (("reflectors",), "plate = one weight"),
    (("biases",), "small\u00a0plate = one bias"),
    (("reflectors", "biases"), "plate tilt and colour = its value (red\u00a0+, blue\u00a0-)"),
    (("reflectors", "biases"), "pale shine = a plate tilted 30\u00a0degrees up\u00a0or\u00a0down"),
    (("rays",), "ray = a_i x w_ji: warm\u00a0+, cool\u00a0-, bright and wide = large"),
    (("gel",), "gel dot: violet dims, green amplifies, grey passes"),
    (("wall",), "wall = every word, as bright as its probability"),
    (("wall",), "gold\u00a0word = top guess   green\u00a0word = true next word"),
)
LANES = (  # the transformer's light
    (("rays",), "pale line = a word's stream in its lane: bright = large"),
    (("rays",), "pink, lime = attention heads 1, 2: bright = weight"),
)
GATES = ((("rays",), "grey gate = a later word, closed to it (causal mask)"),)  # with every position drawn
LANES_MOTION = ((("waves", "rays"), "glow on lanes, attention = the gradient going back"),)
MOTION = (  # while a step plays: the wave and the turns
    (("waves", "reflectors", "biases"), "glow = size of the gradient as the wave passes"),
    (("reflectors", "biases"), "plate 1.5x larger while turning = top 1% update or sign flip"),
)


def legend_text(shown: Collection[str], motion: tuple[float, bool] | None = None, lanes: bool = False,
                gates: bool = False) -> str:
    """The legend for a view showing the elements named in `shown`; motion: (turn exaggeration, whether
    weight decay pulls) while a step plays, None for a still; lanes: the transformer's lanes and attention;
    gates: its causal mask drawn. The weight and bias entries share a line when both are shown."""
    entries = (ENTRIES[:5] + (LANES if lanes else ()) + (GATES if gates else ()) + ENTRIES[5:]
               + (MOTION if motion is not None else ()))
    entries += LANES_MOTION if lanes and motion is not None else ()
    lines = [line for names, line in entries if any(n in shown for n in names)]
    if "plate = one weight" in lines and ENTRIES[1][1] in lines:
        at = lines.index("plate = one weight")
        lines[at: at + 2] = ["plate = one weight   " + ENTRIES[1][1]]
    plates = "reflectors" in shown or "biases" in shown
    if motion is not None and plates:
        exaggeration, decaying = motion
        if decaying:
            lines.append("cyan = pull of weight decay (stabilizing field)")
        if exaggeration != 1:
            lines.append(f"turns exaggerated x{exaggeration:g}, settling on the true weight")
    return "\n".join([TITLE, *lines]) if lines else ""
