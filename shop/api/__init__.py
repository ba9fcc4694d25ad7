"""The API's conventions, over HTTP and websockets, shared by every app.

The error format, schema helpers, parsers, throttling, base viewsets, token login, and the
websocket base consumer with its handshake security and channel-layer membership. The apps
import this package; it imports no app (an import-linter ``layers`` contract says so).
"""
