"""Running the shipped reader with onnxruntime: no PyTorch at answer time.

The weights folder holds ``reader.onnx`` (int8), ``tokenizer.json`` (its pruned vocabulary)
and ``reader.json`` (format, version, how it was trained). ``training/reader/`` makes them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from openai_deals.retrieval.answering.reader.inputs import MAX_QUESTION_TOKENS, MAX_TOKENS
from openai_deals.retrieval.answering.reader.tokenizer import Tokenizer

logger = logging.getLogger(__name__)

READER_FORMAT = 1  # the layout of the weights folder this code reads
_PASSAGE_CACHE = 4096  # tokenized candidates kept: the same sentences come back often


class ReaderError(RuntimeError):
    """The reader's weights are missing, damaged or of another format."""

    def __init__(self, folder: Path, reason: str):
        super().__init__(f"cannot load the reader from {folder}: {reason}")
        self.folder = folder
        self.reason = reason


def default_reader_dir() -> Path:
    return Path(__file__).with_name("weights")


class Reader:
    """Scores (question, passage) pairs: the probability that the passage answers.

    Args:
        folder: a weights folder (see the module docstring).
        threads: onnxruntime's intra-op threads; one per core is right for a lone process.
    """

    def __init__(self, folder: Path, threads: int = 2):
        try:
            info = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
            if info.get("format") != READER_FORMAT:
                raise ReaderError(
                    folder, f"format {info.get('format')!r}, this version reads {READER_FORMAT}"
                )
            self.tokenizer = Tokenizer.load(folder / "tokenizer.json")
            self._folder, self._threads = folder, threads
            _check_model_file(folder / "reader.onnx")
        except ReaderError:
            raise
        except Exception as e:  # a missing file, bad JSON, a damaged model: one error
            raise ReaderError(folder, f"{type(e).__name__}: {str(e)[:200]}") from e
        self.version: str = info["version"]
        self.info = info
        self._passages: OrderedDict[str, list[int]] = OrderedDict()
        self._lock = threading.Lock()
        # Opened on first use, in the process that reads: gunicorn loads the engine before
        # it forks its workers, and an onnxruntime session (its thread pool, its global
        # state) does not survive a fork. A model that fails to open then is logged and the
        # engine answers with the first stages.
        self._session = None
        self._pid: int | None = None

    def _open_session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        return ort.InferenceSession(
            str(self._folder / "reader.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def _session_here(self):
        """The session of this process, opened on its first reading."""
        if self._session is None or os.getpid() != self._pid:
            with self._lock:
                if self._session is None or os.getpid() != self._pid:
                    self._session = self._open_session()
                    self._pid = os.getpid()
        return self._session

    def _passage(self, text: str) -> list[int]:
        with self._lock:
            ids = self._passages.get(text)
            if ids is not None:
                self._passages.move_to_end(text)
                return ids
        ids = self.tokenizer.encode(text)
        with self._lock:
            self._passages[text] = ids
            while len(self._passages) > _PASSAGE_CACHE:
                self._passages.popitem(last=False)
        return ids

    def logits(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One logit per passage (> 0: more likely than not to answer)."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        q = self.tokenizer.encode(question)[:MAX_QUESTION_TOKENS]
        seqs = [self.tokenizer.pair(q, self._passage(p), MAX_TOKENS) for p in passages]
        width = max(map(len, seqs))
        ids = np.full((len(seqs), width), self.tokenizer.specials.pad, dtype=np.int64)
        mask = np.zeros((len(seqs), width), dtype=np.int64)
        for r, seq in enumerate(seqs):
            ids[r, : len(seq)] = seq
            mask[r, : len(seq)] = 1
        return self._session_here().run(None, {"ids": ids, "mask": mask})[0].astype(np.float32)

    def probabilities(self, question: str, passages: Sequence[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(question, passages)))


def _check_model_file(path: Path) -> None:
    """Refuse, at load, a model file that cannot be one: missing, truncated (a reader is
    megabytes) or not an ONNX protobuf (its first field is the IR version, tag 0x08). The
    session itself is opened on first use (see ``Reader``)."""
    with path.open("rb") as f:
        head = f.read(1)
    size = path.stat().st_size
    if size < 1_000_000 or head != b"\x08":
        raise ReaderError(path.parent, f"{path.name} is not an ONNX model ({size} bytes)")


def load_reader(name: str, threads: int = 2) -> Reader | None:
    """The reader named by the ``READER`` setting: "default" (the shipped one), "none"
    (the pipeline without it), or a path to another weights folder."""
    if name == "none":
        return None
    folder = default_reader_dir() if name == "default" else Path(name)
    return Reader(folder, threads)
