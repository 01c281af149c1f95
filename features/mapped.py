"""Objects written to one file and read back memory-mapped, so that processes reading the same
file share its memory.

A pickle (protocol 5) hands NumPy's and Arrow's buffers out of band; they are written after
the pickle stream, each aligned to 64 bytes, and an index of where everything lies closes the
file. `read` maps the file copy-on-write and rebuilds the object around views of the mapping:
no array is copied, each page is read from disk (or the page cache) when first touched, and
every process reading the file shares those pages until it writes to one, when that page
alone becomes its own. At city scale a service's sources and prepared arrays are ~3 GB; two
workers mapping one file hold them once.

The standard library's pickle and mmap do this whole; what is written here is the file layout.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import pickle
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"RWMAP\x00\x00\x01"
_HEAD = struct.Struct("<8sQQ")  # magic, index offset, number of spans
_SPAN = struct.Struct("<QQ")  # offset, length
ALIGN = 64


class NotMapped(ValueError):
    """The file is not (or no longer) a whole mapped-object file."""


def _pad(handle: Any, position: int) -> int:
    gap = -position % ALIGN
    handle.write(b"\0" * gap)
    return position + gap


def _viewed(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return values.view(dtype)


class _Pickler(pickle.Pickler):
    """NumPy pickles dates and durations in band (a copy in every reader, ~100 MB of a
    city's sources): they go out of band as their int64 values, viewed as dates again."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is np.ndarray and obj.dtype.kind in "mM":
            return _viewed, (obj.view(np.int64), obj.dtype)
        return NotImplemented


PARTIAL = ".partial-"  # a side file being written: `.partial-<writer's pid>-<random>`


def sweep(folder: Path) -> None:
    """Remove the side files of writers that died before renaming them (a kill skips
    `write`'s own clean-up); a live writer's file stays."""
    for side in folder.glob(f"{PARTIAL}*"):
        pid = side.name.removeprefix(PARTIAL).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                side.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def write(obj: Any, path: Path) -> None:
    """`obj` to `path`, whole or not at all: written to a side file in the same folder,
    flushed to disk, then renamed into place."""
    buffers: list[pickle.PickleBuffer] = []
    out = io.BytesIO()
    _Pickler(out, protocol=5, buffer_callback=buffers.append).dump(obj)
    stream = out.getbuffer()
    descriptor, side = tempfile.mkstemp(dir=path.parent, prefix=f"{PARTIAL}{os.getpid()}-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(_HEAD.pack(MAGIC, 0, 0))
            spans, position = [], _HEAD.size
            for part in [memoryview(stream), *(b.raw() for b in buffers)]:
                position = _pad(handle, position)
                handle.write(part)
                spans.append((position, part.nbytes))
                position += part.nbytes
            for span in spans:
                handle.write(_SPAN.pack(*span))
            handle.seek(0)
            handle.write(_HEAD.pack(MAGIC, position, len(spans)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(side, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(side)


def read(path: Path) -> Any:
    """The object in `path`, its arrays views of the file mapped copy-on-write (writable;
    a write stays in this process). Raises NotMapped for a file that is not whole."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < _HEAD.size:
            raise NotMapped(f"{path}: too short")
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
    view = memoryview(mapping)
    magic, index, count = _HEAD.unpack_from(view)
    if magic != MAGIC or count < 1 or index + count * _SPAN.size != size:
        raise NotMapped(f"{path}: not a mapped-object file, or cut short")
    spans = [_SPAN.unpack_from(view, index + i * _SPAN.size) for i in range(count)]
    if any(offset + length > index for offset, length in spans):
        raise NotMapped(f"{path}: a part lies outside the file")
    parts = [view[offset:offset + length] for offset, length in spans]
    return pickle.loads(parts[0], buffers=parts[1:])
