"""The merchant console: server-rendered pages at ``/console`` over the services."""
