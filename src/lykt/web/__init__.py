"""HTTP, WebSocket and pages: the only layer that knows FastAPI, Starlette and Jinja2."""
