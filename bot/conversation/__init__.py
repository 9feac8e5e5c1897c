"""The channel-neutral conversation core: inbound events, neutral replies, the router that hands
an event to its flow, and the ``Turn`` a flow answers through. No channel is imported here."""
