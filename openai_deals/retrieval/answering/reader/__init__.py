"""The reader: a cross-encoder that reads each candidate sentence against the question and
says how likely it is to answer it (onnxruntime, int8, weights shipped in ``weights/``)."""

from openai_deals.retrieval.answering.reader.runtime import (
    READER_FORMAT,
    Reader,
    ReaderError,
    default_reader_dir,
    load_reader,
)

__all__ = ["READER_FORMAT", "Reader", "ReaderError", "default_reader_dir", "load_reader"]
