"""Channel adapters: each turns its platform's updates into neutral events and renders neutral
replies within what the platform can do."""
