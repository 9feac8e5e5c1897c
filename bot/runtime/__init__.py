"""The composition root: one process holds the store, the staff roster, the periodic jobs, each
configured channel and the one web server."""
