"""The Zalo Official Account channel (Zalo OA Open API v3): webhook events in, messages out."""
