"""The staff socket, by noun: ``connection`` (authenticate, welcome, dispatch), ``chats``
(claim, write, end, sync), ``shift`` (availability, transfer, wrap-up, alerts), ``notes`` and
``supervisor`` (watch, join, take over). Each module lists its frame handlers in one table."""
