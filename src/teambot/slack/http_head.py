"""uvicorn's httptools protocol with the bound its pure-Python parser (h11) had: a request's line and headers may
take at most MAX_REQUEST_HEAD bytes, or the request gets 400 and its connection is closed.

httptools keeps an unfinished head in memory however long it grows, and uvicorn has no setting for a limit: a few
connections sending headers that never end would make the process buffer them without bound. Bodies are not
counted here (slack/http.py bounds them); only the bytes that arrive while a head is unfinished. Chunked requests
are refused: their trailers are headers after the head, unbounded the same way, and neither Slack nor a calendar
client sends one.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_REQUEST_HEAD = 16 * 1024  # h11's default, which teambot served with before httptools


class ChunkedRefused(ValueError):
    """Raised inside the parser's callback: httptools stops parsing and uvicorn answers 400 and closes."""


class BoundedHttpTools(HttpToolsProtocol):
    _in_head = True  # a connection starts with a request's head
    _head_bytes = 0  # bytes of reads that ended with this head unfinished
    _began = False  # a request began within the read being parsed

    def data_received(self, data: bytes) -> None:
        self._began = False
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._began:
            # The head began within this read: count it whole (it can hold the end of a request before, only when
            # a client sends its next request before the answer to the last, which Slack does not).
            self._head_bytes = len(data)
        if self._in_head and self._head_bytes > MAX_REQUEST_HEAD and not self.transport.is_closing():
            self.logger.warning("Request line and headers over %d bytes refused.", MAX_REQUEST_HEAD)
            self.send_400_response("Request line and headers too large.")

    def on_message_begin(self) -> None:
        self._in_head, self._began, self._head_bytes = True, True, 0
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._in_head = False
        if any(name.lower() == b"transfer-encoding" for name, _ in self.headers):
            raise ChunkedRefused("chunked requests are not accepted")
        super().on_headers_complete()
