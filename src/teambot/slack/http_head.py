"""uvicorn's httptools protocol with the bound its pure-Python parser (h11) had: a request's line and headers may
take at most MAX_REQUEST_HEAD bytes, or the request gets 400 and its connection is closed.

httptools keeps an unfinished head in memory however long it grows, and uvicorn has no setting for a limit: a few
connections sending headers that never end would make the process buffer them without bound. Bodies are not
counted (a modal's submission can be large); only the bytes that arrive while a head is still unfinished.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_REQUEST_HEAD = 16 * 1024  # h11's default, which teambot served with before httptools


class BoundedHttpTools(HttpToolsProtocol):
    _in_head = True  # a connection starts with a request's head
    _head_bytes = 0  # bytes received while this head was unfinished (never more than the head's own)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_REQUEST_HEAD and not self.transport.is_closing():
            self.logger.warning("Request line and headers over %d bytes refused.", MAX_REQUEST_HEAD)
            self.send_400_response("Request line and headers too large.")

    def on_message_begin(self) -> None:
        # Within a read: the bytes before it ended the previous request and are not counted.
        self._in_head, self._head_bytes = True, 0
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()
