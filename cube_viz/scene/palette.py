"""Colours as uint8 RGB arrays (pure numpy), so the renderer only copies them into VTK."""

from __future__ import annotations

import numpy as np

NEGATIVE = np.array([60, 140, 255], np.float32)  # bright blue
NEUTRAL = np.array([78, 86, 110], np.float32)  # dark slate: a weight near 0 stays in the background
POSITIVE = np.array([255, 90, 60], np.float32)  # bright red
GLOW = np.array([255, 236, 150], np.float32)  # a reflector lit by its gradient as the wave passes
FIELD = np.array([60, 230, 230], np.float32)  # the stabilizing field (weight decay) pulling a reflector
KNOCKED_OUT = np.array([14, 14, 18], np.uint8)  # a reflector set to zero by an ablation: dark and flat
RAY_POSITIVE = np.array([255, 196, 70], np.float32)  # warm light
RAY_NEGATIVE = np.array([80, 200, 255], np.float32)  # cool light
LANE = np.array([200, 205, 225], np.float32)  # pale: a transformer's residual stream, running in its lane
HEADS = np.array([[255, 135, 165], [195, 255, 0], [105, 150, 90]], np.float32)  # attention heads: pink, lime,
# sage, repeating after three (each at least CIELAB 45 from every other colour with a meaning: tests/render)
ATTENTION_FLOOR = 0.7  # an attention beam's brightness at weight 0: its width says the weight, its hue the head
MASK = np.array([170, 172, 190], np.float32)  # grey: a lane closed to a query (the causal mask)
WORD = np.array([255, 244, 214], np.float32)  # warm white
TOP_WORD = np.array([255, 200, 40], np.float32)  # gold
TARGET_WORD = np.array([90, 235, 120], np.float32)  # green
SUPPRESS = np.array([120, 90, 255], np.float32)  # violet: the gel dims the light
AMPLIFY = np.array([120, 255, 160], np.float32)  # green: the gel brightens it
PASS = np.array([105, 105, 120], np.float32)  # grey: the light passes unchanged
HIGHLIGHT = np.array([255, 70, 210], np.float32)  # magenta: a storyboard's highlight, a hue nothing else in the
# picture means (its green was the true word's and the gel's amplifying green; CIELAB distance 3 from the latter)


SLOPES = np.stack([NEUTRAL - NEGATIVE, POSITIVE - NEUTRAL])  # diverging's colour per unit below and above 0


def diverging(t: np.ndarray, limit: float) -> np.ndarray:
    """(N, 3) uint8: t = -limit bright blue, 0 dark slate, +limit bright red, linear in between."""
    u = np.clip(np.asarray(t, np.float32) / limit, -1.0, 1.0)
    rgb = SLOPES[(u >= 0).view(np.uint8)]  # (N, 3) the slope on each side of 0 (gathered: np.where is slower)
    rgb *= u[:, None]
    rgb += NEUTRAL
    return rgb.astype(np.uint8)


def light(contribution: np.ndarray, intensity: np.ndarray, kind: np.ndarray, head: np.ndarray,
          floor: float = 0.12) -> np.ndarray:
    """(S, 3) uint8 of every light segment (scene.lanes' kinds): a beam warm or cool by its sign, a lane pale,
    an attention beam in its head's hue, the causal mask's gates grey; each at brightness floor + (1 - floor) *
    intensity (an attention beam's floor ATTENTION_FLOOR)."""
    base = np.where((contribution >= 0)[:, None], RAY_POSITIVE, RAY_NEGATIVE)
    base = np.where((kind == 1)[:, None], LANE, base)
    attention = (kind == 2) | (kind == 4)
    base = np.where(attention[:, None], HEADS[np.maximum(head, 0) % len(HEADS)], base)
    base = np.where((kind == 3)[:, None], MASK, base)
    low = np.where(attention, ATTENTION_FLOOR, floor)  # a faint head keeps its hue: dimmed, lime turned olive
    return (base * (low + (1 - low) * intensity)[:, None]).astype(np.uint8)


def words(brightness: np.ndarray, top: int | None, target: int | None) -> np.ndarray:
    """(V, 4) uint8 word colours, opaque: warm white scaled by brightness (the light a word gives, from the
    floor to full); the top word gold, the target green, both at full light. Each word keeps its dark label
    (the atlas's box), so the faintest still reads over the cube."""
    light = np.clip(brightness, 0.0, 1.0)
    rgba = np.full((len(light), 4), 255, np.float32)
    rgba[:, :3] = WORD * light[:, None]
    if target is not None:
        rgba[target, :3] = TARGET_WORD
    if top is not None:
        rgba[top, :3] = TOP_WORD
    return rgba.astype(np.uint8)


def gel(gain: np.ndarray, limit: float = 2.0) -> np.ndarray:
    """(G, 3) uint8: grey where the activation passed the light unchanged (gain 0), turning violet the more
    it suppressed it, green the more it amplified it (|gain| >= limit: full colour)."""
    u = np.clip(gain / limit, -1.0, 1.0)[:, None]
    base = np.where(u < 0, SUPPRESS, AMPLIFY)
    return (PASS + (base - PASS) * np.abs(u)).astype(np.uint8)


def lit(base: np.ndarray, glow: np.ndarray, field: np.ndarray) -> np.ndarray:
    """(N, 3) uint8: base colours blended towards GLOW by glow (0..1), towards FIELD by field. (The largest
    updates are not painted: white is the key light's glint, so they swell instead; render.elements.plates.)"""
    rgb = base.astype(np.float32)
    rgb += (GLOW - rgb) * glow[:, None]
    rgb += (FIELD - rgb) * field[:, None]
    return rgb.astype(np.uint8)
