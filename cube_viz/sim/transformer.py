"""The tiny decoder-only transformer: pre-LayerNorm blocks of causal self-attention and a GELU MLP.

Learned positions, a final LayerNorm and a tied unembedding (the wall reads the embedding matrix back).
Every weight is its own parameter (q, k, v, o per layer, not one fused qkv), so each is addressable by
name in params.flat; heads are split by reshaping the (d, d) projections' outputs into (heads, d_head).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

LN_EPS = 1e-5  # nn.LayerNorm's default


class Attention(nn.Module):
    """Causal multi-head self-attention: q, k, v, o are (d, d) Linear layers with biases."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(d_model, d_model)  # weight (d, d): row = output unit, head h owns rows h*dh:(h+1)*dh
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.o = nn.Linear(d_model, d_model)  # weight (d, d): column h*dh + j reads head h's unit j

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (..., T, d) -> (out (..., T, d), probabilities (..., H, T, T), mixed values before o (..., T, d))."""
        *lead, t, d = x.shape
        dh = d // self.heads

        def split(z: torch.Tensor) -> torch.Tensor:
            return z.view(*lead, t, self.heads, dh).transpose(-3, -2)  # (..., H, T, dh)

        q = split(F.linear(x, self.q.weight, self.q.bias))  # (..., H, T, dh)
        k = split(F.linear(x, self.k.weight, self.k.bias))  # (..., H, T, dh)
        v = split(F.linear(x, self.v.weight, self.v.bias))  # (..., H, T, dh)
        scores = q @ k.transpose(-2, -1) / math.sqrt(dh)  # (..., H, T, T): row = query, column = key
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)  # (T, T) True above the diagonal
        probs = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)  # (..., H, T, T), future = 0.0
        mixed = (probs @ v).transpose(-3, -2).reshape(*lead, t, d)  # (..., T, d): heads side by side
        return F.linear(mixed, self.o.weight, self.o.bias), probs, mixed  # (..., T, d)


class MLP(nn.Module):
    """fc (4d, d), GELU, proj (d, 4d)."""

    def __init__(self, d_model: int):
        super().__init__()
        self.fc = nn.Linear(d_model, 4 * d_model)  # weight (4d, d)
        self.proj = nn.Linear(4 * d_model, d_model)  # weight (d, 4d)


class Block(nn.Module):
    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)  # weight, bias (d,)
        self.attn = Attention(d_model, heads)
        self.ln2 = nn.LayerNorm(d_model)  # weight, bias (d,)
        self.mlp = MLP(d_model)


class TinyTransformer(nn.Module):
    """Parameters, in the order light passes them (named_parameters order):

    embed.weight (V, d), pos.weight (T, d), then per block l: blocks.{l}.ln1.weight/bias (d,),
    blocks.{l}.attn.{q,k,v,o}.weight (d, d) / .bias (d,), blocks.{l}.ln2.weight/bias (d,),
    blocks.{l}.mlp.fc.weight (4d, d) / .bias (4d,), blocks.{l}.mlp.proj.weight (d, 4d) / .bias (d,);
    then ln_f.weight/bias (d,). The unembedding is embed.weight again (tied): logits = ln_f(x) @ embed.weight.T.
    """

    def __init__(self, vocab_size: int, context: int, d_model: int, layers: int, heads: int):
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model {d_model} is not a multiple of heads {heads}")
        self.context, self.d_model, self.layers, self.heads = context, d_model, layers, heads
        self.embed = nn.Embedding(vocab_size, d_model)  # weight (V, d), also the unembedding
        self.pos = nn.Embedding(context, d_model)  # weight (T, d)
        self.blocks = nn.ModuleList(Block(d_model, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d_model)  # weight, bias (d,)
        self._init_weights()

    def _init_weights(self) -> None:
        # GPT-2's: N(0, 0.02) matrices and embeddings, zero biases, the residual projections (attn.o, mlp.proj)
        # scaled by 1/sqrt(2 layers) so the residual stream's variance does not grow with depth
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() == 2:
                residual = name.endswith(("attn.o.weight", "mlp.proj.weight"))
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * self.layers) if residual else 0.02)
            # LayerNorm gains keep their 1.0

    def forward(self, x: torch.Tensor, every_position: bool = False) -> torch.Tensor:
        """x (..., T) int64 word ids -> next-word logits of the last position (..., V); every_position: (..., T, V)."""
        h = self._embed(x)  # (..., T, d)
        for block in self.blocks:
            h = h + block.attn(self._norm(h, block.ln1))[0]  # (..., T, d)
            h = h + self._mlp(block, self._norm(h, block.ln2))[0]  # (..., T, d)
        if not every_position:
            h = h[..., -1, :]  # (..., d): only the last position predicts the next word
        return self._unembed(h)  # (..., V) or (..., T, V)

    @torch.inference_mode()
    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Everything one context x (T,) makes on its way to the wall (L layers, H heads, d = d_model):

        resid (L+1, T, d): the residual stream entering each block, and after the last;
        resid_mid (L, T, d): after each block's attention; ln1, ln2 (L, T, d): the LayerNorms' outputs;
        attention (L, H, T, T): each head's probabilities, row = query position, column = key position;
        mixed (L, T, d): the heads' value mixtures before o, head h in columns h*dh:(h+1)*dh;
        mlp_pre, mlp_post (L, T, 4d): the MLP's hidden units before and after GELU;
        final (T, d): ln_f of the last stream; logits (V,), probs (V,): the last position's.
        """
        h = self._embed(x)  # (T, d)
        keep: dict[str, list[torch.Tensor]] = {k: [] for k in ("resid", "resid_mid", "ln1", "ln2", "attention",
                                                               "mixed", "mlp_pre", "mlp_post")}
        for block in self.blocks:
            keep["resid"].append(h)
            a = self._norm(h, block.ln1)  # (T, d)
            out, probs, mixed = block.attn(a)  # (T, d), (H, T, T), (T, d)
            h = h + out  # (T, d)
            m = self._norm(h, block.ln2)  # (T, d)
            delta, pre, post = self._mlp(block, m)  # (T, d), (T, 4d), (T, 4d)
            keep["resid_mid"].append(h)
            h = h + delta  # (T, d)
            for key, value in (("ln1", a), ("attention", probs), ("mixed", mixed), ("ln2", m), ("mlp_pre", pre),
                               ("mlp_post", post)):
                keep[key].append(value)
        keep["resid"].append(h)
        trace = {k: torch.stack(v) for k, v in keep.items()}  # (L or L+1, ...)
        trace["final"] = self._norm(h, self.ln_f)  # (T, d)
        trace["logits"] = trace["final"][-1] @ self.embed.weight.T  # (V,)
        trace["probs"] = torch.softmax(trace["logits"], dim=-1)  # (V,)
        return trace

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        t = x.shape[-1]
        return F.embedding(x, self.embed.weight) + self.pos.weight[:t]  # (..., T, d)

    def _unembed(self, h: torch.Tensor) -> torch.Tensor:
        return self._norm(h, self.ln_f) @ self.embed.weight.T  # (..., V): tied unembedding

    def _norm(self, h: torch.Tensor, ln: nn.LayerNorm) -> torch.Tensor:
        """h (..., d) -> LayerNorm(h) (..., d), functionally (a module call costs more than the op here)."""
        return F.layer_norm(h, (self.d_model,), ln.weight, ln.bias, LN_EPS)

    @staticmethod
    def _mlp(block: Block, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (..., T, d) -> (out (..., T, d), pre-activation (..., T, 4d), GELU of it (..., T, 4d))."""
        pre = F.linear(x, block.mlp.fc.weight, block.mlp.fc.bias)  # (..., T, 4d)
        post = F.gelu(pre)  # (..., T, 4d)
        return F.linear(post, block.mlp.proj.weight, block.mlp.proj.bias), pre, post  # (..., T, d)


def build_transformer(vocab_size: int, context: int, d_model: int, layers: int, heads: int,
                      seed: int) -> TinyTransformer:
    """A freshly initialised transformer; the same seed gives bit-identical weights, global RNG untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TinyTransformer(vocab_size, context, d_model, layers, heads)
