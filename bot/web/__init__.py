"""The one web server: channel webhooks, ``/healthz`` and the expiring file links."""
