"""Train the reader (a cross-encoder over multilingual-e5-small) on the labelled pairs.

    python training/reader/train.py --out /tmp/reader-run            # the shipped recipe
    python training/reader/train.py --layers 6 --out /tmp/reader-6   # a variant to compare

Reproducible: one seed for the data order, dropout and the head; ``torch.set_num_threads``
pins the arithmetic. Splits are by article (``split_of``), so no article of dev or test lends
a sentence to training. Prints the dev metrics at 25 %, 50 % and 100 % of one pass over the
training pairs (the learning curve) and writes ``model.pt`` and ``metrics.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parents[1]

import e5_bin  # noqa: E402
from encoder import from_e5  # noqa: E402

from openai_deals.retrieval.answering.reader.inputs import (  # noqa: E402
    MAX_QUESTION_TOKENS,
    MAX_TOKENS,
    passage_text,
)
from openai_deals.retrieval.answering.reader.tokenizer import Specials, Tokenizer  # noqa: E402


def split_of(article: str) -> str:
    """train / dev / test, 80 / 10 / 10, by a hash of the article id (stable, no list)."""
    h = int(hashlib.sha256(article.encode()).hexdigest()[:8], 16) % 10
    return "dev" if h == 0 else "test" if h == 1 else "train"


def load_pairs(path: Path, labels_key: str = "label") -> list[dict]:
    """One record per question with its candidates; a candidate's label is the reviewed
    ``label`` where there is one, else the gold-drafted ``draft``."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            for c in item["candidates"]:
                c["y"] = int(c.get(labels_key, c["draft"]))
            items.append(item)
    return items


def encode_item(
    tok: Tokenizer, item: dict, negatives: int | None = None
) -> list[tuple[list[int], int]]:
    """The item's (token ids, label) pairs; with ``negatives``, every positive and only the
    best-ranked negatives (the hardest, and the ones the reader meets first)."""
    q = tok.encode(item["question"])[:MAX_QUESTION_TOKENS]
    cands = item["candidates"]
    if negatives is not None:
        neg = [c for c in cands if not c["y"]][:negatives]
        cands = [c for c in cands if c["y"]] + neg
    return [
        (tok.pair(q, tok.encode(passage_text(c["text"], c["title"], c["date"])), MAX_TOKENS),
         c["y"])
        for c in cands
    ]


def batches(pairs: list[tuple[list[int], int]], size: int, rng: random.Random):
    """Length-bucketed batches in a seeded random order (less padding, same distribution)."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    chunk = size * 50
    out = []
    for s in range(0, len(order), chunk):
        part = sorted(order[s : s + chunk], key=lambda i: len(pairs[i][0]))
        out += [part[j : j + size] for j in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def collate(pairs: list[tuple[list[int], int]], idx: list[int], pad: int):
    width = max(len(pairs[i][0]) for i in idx)
    ids = torch.full((len(idx), width), pad, dtype=torch.long)
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    for r, i in enumerate(idx):
        seq = pairs[i][0]
        ids[r, : len(seq)] = torch.tensor(seq)
        mask[r, : len(seq)] = 1
    y = torch.tensor([pairs[i][1] for i in idx], dtype=torch.float32)
    return ids, mask, y


@torch.no_grad()
def score_items(model, encoded: list[list[tuple[list[int], int]]], pad: int) -> list[np.ndarray]:
    model.eval()
    flat = [p for e in encoded for p in e]
    order = sorted(range(len(flat)), key=lambda i: len(flat[i][0]))
    logits = np.zeros(len(flat), dtype=np.float32)
    for s in range(0, len(order), 64):
        idx = order[s : s + 64]
        ids, mask, _ = collate(flat, idx, pad)
        logits[idx] = model(ids, mask).numpy()
    model.train()
    out, k = [], 0
    for e in encoded:
        out.append(logits[k : k + len(e)])
        k += len(e)
    return out


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    scores = np.array(pos + neg)
    ranks = scores.argsort().argsort() + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def metrics(items: list[dict], encoded, logits: list[np.ndarray]) -> dict:
    """Pair AUC; top-1 among the candidates of answerable questions with a positive; the
    AUC of the best candidate's score, answerable vs unanswerable (how well it abstains)."""
    pair_pos, pair_neg, best_ans, best_unans, top1 = [], [], [], [], []
    for item, enc, lg in zip(items, encoded, logits, strict=True):
        ys = [y for _, y in enc]
        for y, v in zip(ys, lg, strict=True):
            (pair_pos if y else pair_neg).append(float(v))
        if not item["answers"]:
            best_unans.append(float(lg.max()))
        elif any(ys):
            best_ans.append(float(lg.max()))
            top1.append(ys[int(lg.argmax())])
    return {
        "pairs": len(pair_pos) + len(pair_neg),
        "pair_auc": round(auc(pair_pos, pair_neg), 4),
        "top1": round(float(np.mean(top1)), 4) if top1 else None,
        "answerable_vs_unanswerable_auc": round(auc(best_ans, best_unans), 4),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT / "training" / "data" / "candidates.jsonl")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--train-embeddings", action="store_true")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--fraction", type=float, default=1.0, help="share of training questions")
    p.add_argument("--negatives", type=int, default=None, help="negatives kept per question")
    p.add_argument("--freeze-layers", type=int, default=0, help="lower layers kept frozen")
    p.add_argument("--curve-questions", type=int, default=150)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)

    w = e5_bin.load()
    tok = Tokenizer(w.pieces, w.scores.tolist(), w.normalisation, Specials(**w.specials))
    items = load_pairs(args.data)
    split = {s: [i for i in items if split_of(i["article"]) == s] for s in ("train", "dev", "test")}
    train_items = split["train"]
    if args.fraction < 1:
        rng.shuffle(train_items)
        train_items = train_items[: int(len(train_items) * args.fraction)]
    t0 = time.time()
    train = [p for i in train_items for p in encode_item(tok, i, args.negatives)]
    # The curve's checkpoints read a fixed sample of dev (the whole of it costs minutes on
    # two cores); ``evaluate.py`` measures the shipped model on all of dev and test.
    curve_items = split["dev"][: args.curve_questions]
    dev_enc = [encode_item(tok, i) for i in curve_items]
    print(f"train {len(train_items)} questions / {len(train)} pairs "
          f"({sum(y for _, y in train)} positive), dev {len(split['dev'])} questions, "
          f"test {len(split['test'])}; tokenized in {time.time() - t0:.0f} s", flush=True)

    model = from_e5(w, args.layers)
    model.word.weight.requires_grad_(args.train_embeddings)
    model.pos.weight.requires_grad_(args.train_embeddings)
    for layer in model.layers[: args.freeze_layers]:
        layer.requires_grad_(False)
    head = list(model.head.parameters())
    body = [q for n, q in model.named_parameters() if q.requires_grad and not n.startswith("head.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    plan = []
    whole, rest = int(args.epochs), args.epochs - int(args.epochs)
    for _ in range(whole):
        plan += batches(train, args.batch, rng)
    if rest:
        more = batches(train, args.batch, rng)
        plan += more[: int(len(more) * rest)]
    steps = len(plan)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    checkpoints = {max(1, steps // 4): "25%", max(1, steps // 2): "50%", steps: "100%"}
    curve = []
    model.train()
    t0 = time.time()
    running = 0.0
    for step, idx in enumerate(plan, 1):
        ids, mask, y = collate(train, idx, tok.specials.pad)
        loss = loss_fn(model(ids, mask), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0:
            print(f"step {step}/{steps} loss {running:.4f} {time.time() - t0:.0f} s", flush=True)
        if step in checkpoints:
            m = metrics(curve_items, dev_enc, score_items(model, dev_enc, tok.specials.pad))
            m.update(seen=checkpoints[step], pairs_seen=step * args.batch,
                     seconds=round(time.time() - t0))
            curve.append(m)
            print("dev", json.dumps(m), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save({"state": model.state_dict(), "layers": args.layers}, args.out / "model.pt")
    result = {"args": {k: str(v) for k, v in vars(args).items()}, "curve": curve,
              "train_questions": len(train_items), "train_pairs": len(train),
              "train_seconds": round(time.time() - t0)}
    (args.out / "metrics.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result["curve"][-1]))


if __name__ == "__main__":
    main()
